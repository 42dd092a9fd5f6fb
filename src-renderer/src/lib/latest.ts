/**
 * For requests that follow a form as it is typed (previews, estimates): only the answer to the
 * most recent call is delivered; an older one arriving late is dropped.
 */
export function latestOnly(): <T>(request: Promise<T>, onResult: (r: T) => void, onError: (e: unknown) => void) => Promise<void> {
  let seq = 0;
  return (request, onResult, onError) => {
    const my = ++seq;
    return request.then(
      (r) => {
        if (my === seq) onResult(r);
      },
      (e: unknown) => {
        if (my === seq) onError(e);
      },
    );
  };
}
