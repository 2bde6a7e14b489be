/** The coldstart benchmark's yardstick: a handler that does nothing, bundled like every Leadscore function. */
export const handler = async () => ({ statusCode: 204 });
