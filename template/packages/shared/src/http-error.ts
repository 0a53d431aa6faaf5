export interface HttpErrorOptions {
  /** Extra fields of the JSON error body, for example which fields were invalid. */
  details?: Record<string, unknown>;
  /** Response headers, for example `Retry-After` on a 429. */
  headers?: Record<string, string>;
}

/** An error whose status code reaches the client (4xx) through the shared error handler. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly statusCode: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message);
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}
