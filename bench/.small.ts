import { runProvinceReachBench } from '/work/wt/a11/bench/province-reach.ts';
const r = await runProvinceReachBench();
console.log(JSON.stringify(r, null, 1));
process.exit(0);
