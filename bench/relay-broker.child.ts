/**
 * The Kafka test broker in a process of its own for bench:relay, so the relay being measured does not
 * share its event loop with the broker (as it would not with Kafka). A test fixture, not Kafka.
 */
import { KafkaTestBroker } from '../test/support/kafka-broker';

async function main(): Promise<void> {
  const broker = new KafkaTestBroker({ defaultPartitions: 6, minSessionTimeoutMs: 1_000 });
  await broker.start();
  process.on('message', (message) => {
    if (message === 'stop') void broker.stop().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port: broker.port });
}

main().catch((error) => {
  console.error(`relay bench broker failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
