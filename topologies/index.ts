import type { Topology } from '../engine/index.js';
import { crmPipelineTopology } from './crm-pipeline/topology.js';
import { modelcarsTopology } from './modelcars/topology.js';
import { northwindTopology } from './northwind/topology.js';
import { nvdaTopology } from './nvda/topology.js';
import { salariesTopology } from './salaries/topology.js';
import { worldEconomyTopology } from './world-economy/topology.js';

/** The built-in topologies, by name (one explicit list: nothing is discovered at run time). */
export const topologies: readonly Topology[] = [
  nvdaTopology,
  northwindTopology,
  modelcarsTopology,
  salariesTopology,
  worldEconomyTopology,
  crmPipelineTopology,
];

export function findTopology(name: string): Topology | undefined {
  return topologies.find((topology) => topology.name === name);
}
