/** The OpenAPI description of the service (filled in with the REST and WebSocket messages). */
export function openApiDocument(): unknown {
  return { openapi: '3.1.0', info: { title: 'kioskbus serve', version: '1' }, paths: {} };
}
