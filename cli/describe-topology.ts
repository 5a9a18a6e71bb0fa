import type { Topology } from '../engine/index.js';

/** A topology as text: inputs, options, the DAG of its stages, and its output tables with their keys. */
export function describeTopology(topology: Topology): string {
  const lines = [`${topology.name} — ${topology.description}`, '', 'inputs:'];
  for (const input of topology.inputs) lines.push(`  ${input.name} (${input.kind}, default file ${input.defaultFile}): ${input.description}`);
  if (topology.options.length > 0) {
    lines.push('', 'options:');
    for (const option of topology.options) lines.push(`  --set ${option.name}=…  ${option.description}${option.default === undefined ? '' : ` (default ${option.default})`}`);
  }
  lines.push('', 'dag:');
  for (const edge of topology.graph) lines.push(`  ${edge.from} → ${edge.to}`);
  lines.push('', 'outputs:');
  for (const table of topology.outputs) {
    lines.push(`  ${table.name} (key: ${table.key.join(', ')})`);
    lines.push(`    ${table.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
