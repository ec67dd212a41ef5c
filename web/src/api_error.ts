// The API's errors as an Error a person can read ({"error":{"code","message"}} bodies, network
// failures). No DOM, no fetch: unit-tested in web/test/api_error.test.mjs.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Turns any error body into words a person can act on. */
export function errorFromBody(status: number, text: string): ApiError {
  let message = "";
  let code = "http_" + status;
  try {
    const body = JSON.parse(text);
    const err = body?.error;
    if (err && typeof err === "object") {
      message = String(err.message ?? "");
      code = String(err.code ?? code);
    } else if (typeof err === "string") {
      message = err;
    }
  } catch {
    message = text.trim().slice(0, 300);
  }
  if (!message) {
    message =
      status === 0
        ? "The server could not be reached. Check that trainbox is running."
        : `The server answered ${status}.`;
  }
  return new ApiError(message, status, code);
}
