import { MetricsRegistry } from './metrics.registry';

describe('metrics registry (Prometheus text format)', () => {
  it('renders counters and cumulative histogram buckets with sorted, escaped labels', () => {
    const registry = new MetricsRegistry();
    const runs = registry.counter('x_runs_total', 'Runs.');
    runs.inc({ job: 'inquiry', result: 'ok' });
    runs.inc({ result: 'ok', job: 'inquiry' }, 2);
    runs.inc({ job: 'odd "name"\n' });
    const latency = registry.histogram('x_seconds', 'Latency.', [0.1, 1]);
    latency.observe({ gateway: 'jibit' }, 0.05);
    latency.observe({ gateway: 'jibit' }, 0.5);
    latency.observe({ gateway: 'jibit' }, 5);
    expect(registry.render().split('\n')).toEqual([
      '# HELP x_runs_total Runs.',
      '# TYPE x_runs_total counter',
      'x_runs_total{job="inquiry",result="ok"} 3',
      'x_runs_total{job="odd \\"name\\"\\n"} 1',
      '# HELP x_seconds Latency.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{gateway="jibit",le="0.1"} 1',
      'x_seconds_bucket{gateway="jibit",le="1"} 2',
      'x_seconds_bucket{gateway="jibit",le="+Inf"} 3',
      'x_seconds_sum{gateway="jibit"} 5.55',
      'x_seconds_count{gateway="jibit"} 3',
      '',
    ]);
    expect(registry.counter('x_runs_total', 'again')).toBe(runs);
  });

  it('an empty registry renders nothing', () => {
    expect(new MetricsRegistry().render()).toBe('');
  });
});
