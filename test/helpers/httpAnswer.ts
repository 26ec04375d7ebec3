/** An HTTP answer as the service tests read it: status, the body parsed as JSON (undefined when it is not JSON) and as text. */
export type HttpAnswer = { status: number; body: any; text: string; headers: Headers };

/** Reads `response` whole: its text, and that text parsed as JSON when it is JSON. */
export async function readAnswer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, headers: response.headers };
}
