import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from './sqlite-read-store.js';
import type { Change } from './read-store.js';
const N = Number(process.env.N ?? 200000);
it('bench', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'r.sqlite');
  const store = new SqliteReadStore(file);
  await store.ensureCollections([{ name: 'regs', indexes: [['Org', 'LastChangeTime'], ['EventId']], textFields: ['LearnerName', 'LearnerEmail', 'LearnerCode'] }]);
  const first = ['Ada','Alan','Grace','Edsger','Barbara','Donald','Ken','Dennis','Linus','Margaret','Frances','John'];
  const last = ['Lovelace','Turing','Hopper','Dijkstra','Liskov','Knuth','Thompson','Ritchie','Torvalds','Hamilton','Allen','Smith'];
  let t = Date.now();
  const B = 10000;
  for (let b = 0; b < N; b += B) {
    await store.runBatch('p', async (s) => {
      for (let i = b; i < b + B; i++) {
        const name = `${first[i % 12]} ${last[(i * 7) % 12]} ${i}`;
        await s.apply([{ kind: 'upsert', collection: 'regs', doc: { _id: `r${i}`, Org: i % 10 === 0 ? 'small' : 'big', EventId: `e${i % 5000}`, LearnerName: name, LearnerEmail: `${name.replaceAll(' ', '.')}@example.org`, LearnerCode: `C${i}`, LastChangeTime: new Date(1.7e12 + i * 1000).toISOString(), Status: 'Registered', Accommodations: [] } }]);
      }
      return BigInt(b);
    });
  }
  let ms = Date.now() - t; console.log(`upsert ${N} in ${ms} ms = ${Math.round(N / ms * 1000)}/s`);
  t = Date.now();
  for (let b = 0; b < N; b += B) {
    await store.runBatch('p', async (s) => {
      for (let i = b; i < b + B; i++) await s.apply([{ kind: 'patch', collection: 'regs', id: `r${i}`, set: { Status: 'Cancelled', LastChangeTime: new Date(1.8e12 + i).toISOString() } }]);
      return BigInt(b);
    });
  }
  ms = Date.now() - t; console.log(`patch ${N} in ${ms} ms = ${Math.round(N / ms * 1000)}/s`);
  t = Date.now();
  await store.runBatch('p', async (s) => {
    for (let i = 0; i < 2000; i++) await s.apply([{ kind: 'updateMany', collection: 'regs', filter: { EventId: `e${i}` }, set: { EventTitle: `T${i}` } }]);
    return 1n;
  });
  console.log(`updateMany 2000 events in ${Date.now() - t} ms`);
  const q = async (label: string, f: () => Promise<unknown>) => { const t0 = performance.now(); const r = await f(); console.log(label, (performance.now() - t0).toFixed(1), 'ms', Array.isArray(r) ? r.length : r); };
  for (let k = 0; k < 2; k++) {
    await q('big+contains smith sorted', () => store.find('regs', { Org: 'big', LearnerName: { $contains: 'smith' } }, { sort: [['LastChangeTime', -1]], limit: 100 }));
    await q('big+contains rare', () => store.find('regs', { Org: 'big', LearnerName: { $contains: 'lace 12345' } }, { sort: [['LastChangeTime', -1]], limit: 100 }));
    await q('count big+contains rare', () => store.count('regs', { Org: 'big', LearnerName: { $contains: 'lace 12345' } }));
    await q('count big+contains smith', () => store.count('regs', { Org: 'big', LearnerName: { $contains: 'smith' } }));
    await q('small+contains rare', () => store.find('regs', { Org: 'small', LearnerName: { $contains: 'lace 12340' } }, { sort: [['LastChangeTime', -1]], limit: 100 }));
    await q('contains short', () => store.find('regs', { Org: 'big', LearnerName: { $contains: 'zq' } }, { sort: [['LastChangeTime', -1]], limit: 100 }));
    await q('big page', () => store.find('regs', { Org: 'big' }, { sort: [['LastChangeTime', -1]], skip: 1000, limit: 100 }));
    await q('count big', () => store.count('regs', { Org: 'big' }));
  }
  await store.close();
}, 600000);
