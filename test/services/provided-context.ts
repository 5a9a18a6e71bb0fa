import type { ServiceInstance, ServiceName } from './types.js';

/** The servers of a test run, as the global setup provides them to test files. */
export type ProvidedServices = Partial<{ [N in ServiceName]: ServiceInstance<N> }>;

/** The key under which the global setup provides {@link ProvidedServices}. */
export const PROVIDED_SERVICES_KEY = 'cloudpulseServices';

declare module 'vitest' {
  export interface ProvidedContext {
    cloudpulseServices: ProvidedServices;
  }
}
