export async function runDemo(_: unknown): Promise<number> { return 1; }
