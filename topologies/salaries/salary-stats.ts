import type { Aggregator, StreamRecord } from '../../engine/index.js';
import type { Salary } from './salary-input.js';

/** Count, sum, min and max of `salary_in_usd` in one group. */
export interface SalaryStats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Folds salaries into count/sum/min/max; duplicates count (the survey files hold real duplicate rows). */
export const salaryStatsAggregator: Aggregator<Salary, SalaryStats, SalaryStats> = {
  create: () => ({ count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY }),
  add(acc, record: StreamRecord<Salary>) {
    const salary = record.value.salaryUsd;
    acc.count++;
    acc.sum += salary;
    if (salary < acc.min) acc.min = salary;
    if (salary > acc.max) acc.max = salary;
  },
  merge(target, other) {
    target.count += other.count;
    target.sum += other.sum;
    if (other.min < target.min) target.min = other.min;
    if (other.max > target.max) target.max = other.max;
  },
  result: (acc) => ({ ...acc }),
};
