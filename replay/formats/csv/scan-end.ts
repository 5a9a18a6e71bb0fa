/**
 * Where the last fast-path scan stopped: one shared slot, cheaper than returning a (value, end)
 * pair per field. Written by a scan and read right after it, on one thread.
 */
export const END = new Int32Array(1);
