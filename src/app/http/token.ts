// What counts as a bearer token for the query port, shared by the config schema (http.token) and
// the token file reader (auth.ts).

/** RFC 6750's b64token: what an Authorization header can carry. */
export const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Shortest token accepted: guessing must be out of reach (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;

/** The rule in words, for error messages (which never quote the token). */
export const TOKEN_RULE = `expected a token of ${MIN_TOKEN_LENGTH}+ characters from A-Z a-z 0-9 - . _ ~ + / (then =)`;

/** Whether `token` is acceptable as a configured token. */
export function isValidToken(token: string): boolean {
  return token.length >= MIN_TOKEN_LENGTH && TOKEN_PATTERN.test(token);
}
