import type { EngineEvent, EngineEvents } from '../engine/index.js';

type LifecycleState = Extract<EngineEvent, { type: 'lifecycle' }>['state'];

/** What `/readyz` answers: ready or not, why not, and each pipeline's last lifecycle state. */
export interface ReadinessReport {
  readonly ready: boolean;
  /** Why not ready (absent when ready). */
  readonly reason?: string;
  readonly pipelines: Readonly<Record<string, { readonly state: LifecycleState; readonly reason?: string }>>;
}

/**
 * Readiness from the engine's `lifecycle` events: ready once every pipeline seen has reported `ready`
 * (its sinks are open and its sources connected), and not ready before any pipeline started, while one
 * is starting, and again once one is draining, stopped or failed.
 */
export class PipelineReadiness {
  private readonly pipelines = new Map<string, { state: LifecycleState; reason?: string }>();

  /** Subscribes to `events`; returns the unsubscribe function. */
  attach(events: EngineEvents): () => void {
    return events.on(this.record);
  }

  readonly record = (event: EngineEvent): void => {
    if (event.type !== 'lifecycle') return;
    this.pipelines.set(event.topology, { state: event.state, ...(event.reason === undefined ? {} : { reason: event.reason }) });
  };

  report(): ReadinessReport {
    const pipelines = Object.fromEntries(this.pipelines);
    if (this.pipelines.size === 0) return { ready: false, reason: 'no pipeline has started yet', pipelines };
    const notReady = [...this.pipelines].filter(([, p]) => p.state !== 'ready');
    if (notReady.length === 0) return { ready: true, pipelines };
    const reason = notReady.map(([name, p]) => `${name} is ${p.state}${p.reason === undefined ? '' : `: ${p.reason}`}`).join('; ');
    return { ready: false, reason, pipelines };
  }
}
