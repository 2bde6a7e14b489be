/**
 * A value made on first use and kept for the container's life, such as an SDK client only some invocations need
 * (loading it at start-up would lengthen every cold start). A failure is not kept: the next use tries again.
 */
export function lazily<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
}
