import type { Topology } from '../engine/index.js';

/** The built-in topologies, by name (one explicit list: nothing is discovered at run time). */
export const topologies: readonly Topology[] = [];

export function findTopology(name: string): Topology | undefined {
  return topologies.find((topology) => topology.name === name);
}
