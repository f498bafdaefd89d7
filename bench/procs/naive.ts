/**
 * The naive pipeline as its own process: one subscriber, batches of 1,000 points or 1 s, influx.writePoints.
 * After each write it tells the devices which ids are stored (as the collector does), so the benchmark
 * measures press→stored for both on the same clock. Usage: tsx bench/procs/naive.ts <brokerUrl> <influxUrl> <db>
 */
import mqtt from 'mqtt';
import { topicFor } from '../../devices/topics.ts';
import { startNaivePipeline } from '../lib/naive-pipeline.ts';

const [brokerUrl, influxUrl, database] = process.argv.slice(2);
const acker = mqtt.connect(brokerUrl, { clientId: 'naive-acker', protocolVersion: 4 });
const byDevice = new Map<string, string[]>();
const pipeline = await startNaivePipeline({
  brokerUrl,
  influxUrl,
  database,
  onStored: (ids) => {
    for (const entry of ids) {
      const [device, id] = entry.split('|');
      if (!byDevice.has(device)) byDevice.set(device, []);
      byDevice.get(device)!.push(id);
    }
    for (const [device, list] of byDevice) {
      for (let i = 0; i < list.length; i += 1000)
        acker.publish(topicFor(device, 'ack'), JSON.stringify({ ids: list.slice(i, i + 1000) }), { qos: 0 });
    }
    byDevice.clear();
  },
});
console.log('ready');
const stop = async () => {
  await pipeline.close();
  await acker.endAsync();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
