# syntax=docker/dockerfile:1
# invoice-stream image: `docker build -t invoice-stream:0.1.0 .`
# Two stages: production dependencies, installed where a compiler exists (native addons without a
# prebuilt binary compile there), and a slim runtime with only what `invoice-stream run` needs.
# The runtime executes the TypeScript sources directly with Node 24's type stripping, exactly as
# the tests and `npm start` do (the code is erasable-syntax only, imports end in .ts): no build
# output whose relative paths to schemas/ and samples/ could differ from the sources'.
# node:24 and node:24-slim are the same Debian release, so the addons' glibc matches.

ARG NODE_IMAGE=node:24
ARG NODE_RUNTIME_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production \
    INVOICE_STREAM_STATE_DIR=/var/lib/invoice-stream \
    INVOICE_STREAM_HTTP_PORT=8080 \
    INVOICE_STREAM_OPS_PORT=9464
WORKDIR /app
# A fixed non-root uid/gid (10001) that the Kubernetes securityContext (k8s/base/statefulset.yaml)
# names too; the application files stay root-owned, read-only to it.
RUN groupadd --system --gid 10001 invoice-stream \
 && useradd --system --uid 10001 --gid invoice-stream --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin invoice-stream \
 && mkdir -p /var/lib/invoice-stream \
 && chown invoice-stream:invoice-stream /var/lib/invoice-stream
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY topologies ./topologies
COPY schemas ./schemas
COPY samples ./samples
USER 10001:10001
# State stores, checkpoints and local Delta tables: the only writable path (with /tmp).
VOLUME ["/var/lib/invoice-stream"]
# Interactive queries (bearer token), and operations (/metrics, /healthz, /readyz).
EXPOSE 8080 9464
# Node runs as PID 1 and handles SIGTERM itself (graceful stop: final commit, store flush). No
# HEALTHCHECK: Kubernetes probes /healthz and /readyz.
ENTRYPOINT ["node", "/app/bin/invoice-stream.js"]
CMD ["run"]
