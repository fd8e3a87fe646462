import assert from "node:assert/strict";
import { join } from "node:path";
import { DatasetError, genericSource, prepareDataset } from "../../datasets/mod.ts";

const MOVIES = "1::Toy Story (1995)::Animation|Comedy\n2::Heat (1995)::Action\n";
const USERS = "1::F::1::10::48067\n";

async function ml1mDir(ratings: string | Uint8Array): Promise<string> {
  const dir = await Deno.makeTempDir();
  if (typeof ratings === "string") await Deno.writeTextFile(join(dir, "ratings.dat"), ratings);
  else await Deno.writeFile(join(dir, "ratings.dat"), ratings);
  await Deno.writeTextFile(join(dir, "movies.dat"), MOVIES);
  await Deno.writeTextFile(join(dir, "users.dat"), USERS);
  return dir;
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<DatasetError> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${e}`);
  assert.match(e.message, pattern);
  return e;
}

Deno.test("bad input: a line with the wrong field count names file and line", async () => {
  const dir = await ml1mDir("1::1::5::978300760\n1::2::4\n");
  const e = await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: dir }),
    /ratings\.dat:2: expected 4 fields/,
  );
  assert.equal(e.location?.line, 2);
});

Deno.test("bad input: a non-numeric rating names file, line and column", async () => {
  const dir = await ml1mDir("1::1::5::978300760\n1::2::4::978300761\n1::1::x::978300762\n");
  const e = await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: dir }),
    /ratings\.dat:3 \(column rating\): rating is not an integer: "x"/,
  );
  assert.equal(e.location?.column, "rating");
});

Deno.test("bad input: a rating outside the scale names the line", async () => {
  const dir = await ml1mDir("1::1::5::978300760\n1::2::9::978300761\n");
  await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: dir }),
    /ratings\.dat:2.*outside 1\.\.5/,
  );
});

Deno.test("bad input: invalid UTF-8 names the file and line", async () => {
  const enc = new TextEncoder();
  const bytes = new Uint8Array([
    ...enc.encode("1::1::5::978300760\n1::2::4::978300761\n"),
    0xff,
    0xfe,
    ...enc.encode("::1::3::978300762\n"),
  ]);
  const dir = await ml1mDir(bytes);
  await rejects(prepareDataset({ dataset: "ml-1m", dataDir: dir }), /ratings\.dat:3: .*encoding/);
});

Deno.test("bad input: a missing file is named", async () => {
  const dir = await Deno.makeTempDir();
  await rejects(
    prepareDataset({ dataset: "ml-100k", dataDir: dir }),
    new RegExp(`${join(dir, "u.data").replaceAll("/", "\\/")}: ratings file not found`),
  );
  await rejects(prepareDataset({ dataset: "ml-1m", dataDir: dir }), /ratings file not found/);
});

/** A valid MovieLens-100K folder with three users; `change` then removes or empties files. */
async function ml100kDir(change: Record<string, string | null>): Promise<string> {
  const dir = await Deno.makeTempDir();
  const files: Record<string, string> = {
    "u.data": "1\t1\t5\t881250949\n2\t1\t2\t881250950\n3\t2\t4\t881250951\n",
    "u.item": "1|Toy Story (1995)|01-Jan-1995||url|0|1\n2|Heat (1995)|01-Jan-1995||url|1|0\n",
    "u.genre": "Action|0\nComedy|1\n",
    "u.user": "1|24|M|technician|85711\n",
  };
  for (const [name, text] of Object.entries({ ...files, ...change })) {
    if (text !== null) await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

Deno.test("bad input: every file a loader needs is checked first, empty or missing, by name", async () => {
  const load = (dir: string, dataset: "ml-100k" | "ml-1m" = "ml-100k") =>
    prepareDataset({ dataset, dataDir: dir });
  await rejects(load(await ml100kDir({ "u.item": "" })), /u\.item: item file is empty$/);
  await rejects(
    load(await ml100kDir({ "u.item": "\n\n" })),
    /u\.item: item file has no data lines$/,
  );
  await rejects(load(await ml100kDir({ "u.user": null })), /u\.user: users file not found$/);
  await rejects(load(await ml100kDir({ "u.genre": "" })), /u\.genre: genre file is empty$/);
  const ml1m = await ml1mDir("1::1::5::978300760\n");
  await Deno.remove(join(ml1m, "users.dat"));
  await rejects(load(ml1m, "ml-1m"), /users\.dat: users file not found$/);
  await Deno.writeTextFile(join(ml1m, "users.dat"), USERS);
  await Deno.writeTextFile(join(ml1m, "movies.dat"), "");
  await rejects(load(ml1m, "ml-1m"), /movies\.dat: movies file is empty$/);
});

Deno.test("bad input: an unknown dataset name lists the known ones", async () => {
  // deno-lint-ignore no-explicit-any
  await rejects(prepareDataset({ dataset: "ml-2m" as any }), /unknown dataset "ml-2m".*ml-1m/);
});

Deno.test("bad input: a column mapping naming a missing column names file and column", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "events.csv");
  await Deno.writeTextFile(path, "uid,sku,stars\n1,2,5\n");
  const source = genericSource({
    interactions: { path, columns: { user: "uid", item: "sku", rating: "rating" } },
  });
  const e = await rejects(
    prepareDataset({ dataset: source }),
    /events\.csv \(column rating\): column mapping names "rating" for rating, but the file has only uid, sku, stars/,
  );
  assert.equal(e.location?.column, "rating");
});
