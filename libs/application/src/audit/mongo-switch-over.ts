/**
 * Switch-over for MongoDB. The rebuild is built in a separate database (`<db>_rebuild`); the
 * switch renames each rebuilt collection over the live one (`renameCollection` with
 * `dropTarget`), then writes the checkpoints. Across databases the rename copies the documents
 * first (time proportional to the collection) and ends cursors open on the live one: a paged read
 * in flight may fail once (docs/auditing.md). MongoDB offers no lock
 * that holds a running projector back, so stop the projector processes (and API replicas that run
 * one) for the switch: queries keep being answered throughout, commands are stored but their
 * read-your-writes wait until the projector runs again.
 */
import { MongoClient } from 'mongodb';
import type { Projection } from '../../../read-model/src/projection.js';
import type { ReadStore } from '../../../read-model/src/read-store.js';
import { MongoReadStore } from '../../../read-model/src/mongo-read-store.js';
import type { SwitchOver } from './projection-rebuild.js';

const CHECKPOINTS = 'projection_checkpoints';

export class MongoSwitchOver implements SwitchOver {
  private constructor(
    readonly fresh: ReadStore,
    private readonly client: MongoClient,
    private readonly liveDb: string,
    private readonly freshDb: string,
  ) {}

  static async open(url: string): Promise<MongoSwitchOver> {
    const client = new MongoClient(url);
    await client.connect();
    try {
      const liveDb = client.db().databaseName;
      const freshDb = `${liveDb}_rebuild`;
      await client.db(freshDb).dropDatabase();
      return new MongoSwitchOver(await MongoReadStore.connect(url, { dbName: freshDb }), client, liveDb, freshDb);
    } catch (error) {
      // An open client would keep the CLI from exiting.
      await client.close();
      throw error;
    }
  }

  /** Not stopped by a signal: each projection is caught up just before its collections are renamed. */
  async switchOver(
    projections: readonly Projection[],
    catchUp: (projections: readonly Projection[], target?: bigint) => Promise<void>,
  ): Promise<null> {
    const live = this.client.db(this.liveDb).collection<{ _id: string; position: string }>(CHECKPOINTS);
    const fresh = this.client.db(this.freshDb).collection<{ _id: string; position: string }>(CHECKPOINTS);
    for (const projection of projections) {
      // With the projector stopped this is its final position; catch the rebuild up to it.
      const position = (await live.findOne({ _id: projection.name }))?.position;
      if (position !== undefined) await catchUp([projection], BigInt(position));
      for (const { name } of projection.collections) {
        const collection = `rm_${name}`;
        // An empty rebuilt collection may not exist: create it so the rename empties the live one.
        const exists = await this.client.db(this.freshDb).listCollections({ name: collection }).hasNext();
        if (!exists) await this.client.db(this.freshDb).createCollection(collection);
        await this.client.db('admin').command({
          renameCollection: `${this.freshDb}.${collection}`,
          to: `${this.liveDb}.${collection}`,
          dropTarget: true,
        });
      }
      const rebuilt = (await fresh.findOne({ _id: projection.name }))?.position;
      if (rebuilt === undefined) await live.deleteOne({ _id: projection.name });
      else await live.updateOne({ _id: projection.name }, { $set: { position: rebuilt } }, { upsert: true });
    }
    return null;
  }

  async discard(): Promise<void> {
    try {
      await this.fresh.close();
      await this.client.db(this.freshDb).dropDatabase();
    } finally {
      await this.client.close();
    }
  }
}
