import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  DatasetError,
  DUPLICATES_DROPPED,
  genericSource,
  prepareDataset,
} from "../../datasets/mod.ts";
import { findLatin1Problem, verifyGzip } from "../../datasets/file_checks.ts";
import { writeAmazonFixture } from "../fixtures/amazon_books.ts";
import { runTask } from "../cli/run_task.ts";

const USERS = 30;
const MOVIES_PER_USER = 20;

/** `UserID::MovieID::Rating::Timestamp` lines: every user rates movies 1..20, one a second. */
function ratingLines(): string[] {
  const lines: string[] = [];
  for (let u = 1; u <= USERS; u++) {
    for (let i = 1; i <= MOVIES_PER_USER; i++) {
      lines.push(`${u}::${i}::${((u * 7 + i * 3) % 5) + 1}::${978300000 + u * 1000 + i}`);
    }
  }
  return lines;
}

const movieLines = () =>
  Array.from({ length: MOVIES_PER_USER }, (_, k) => `${k + 1}::Movie ${k + 1} (1995)::Drama`);

/** An ML-1M folder; `ratings` and `movies` are text (written as UTF-8) or bytes. */
async function ml1mDir(
  ratings: string | Uint8Array,
  options: { gzip?: boolean; movies?: string | Uint8Array } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir();
  const bytes = (x: string | Uint8Array) => typeof x === "string" ? new TextEncoder().encode(x) : x;
  const ratingsBytes = bytes(ratings);
  if (options.gzip) await Deno.writeFile(join(dir, "ratings.dat.gz"), gzipSync(ratingsBytes));
  else await Deno.writeFile(join(dir, "ratings.dat"), ratingsBytes);
  await Deno.writeFile(join(dir, "movies.dat"), bytes(options.movies ?? movieLines().join("\n")));
  await Deno.writeTextFile(join(dir, "users.dat"), "1::F::1::10::48067\n");
  return dir;
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<DatasetError> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${e}`);
  assert.match(e.message, pattern);
  return e;
}

Deno.test("integrity: a gzip cut at any byte is rejected as truncated, naming the file", async () => {
  const dir = await Deno.makeTempDir();
  const whole = gzipSync(new TextEncoder().encode(ratingLines().slice(0, 100).join("\n") + "\n"));
  const path = join(dir, "ratings.dat.gz");
  await Deno.writeFile(path, whole);
  await verifyGzip(path);
  for (let cut = 1; cut < whole.length; cut++) {
    await Deno.writeFile(path, whole.subarray(0, cut));
    const e = await rejects(verifyGzip(path), /truncated gzip file/);
    assert.equal(e.location?.file, path, `cut at ${cut}`);
  }
  // Corruption that keeps the length is not truncation, but still an error.
  const flipped = whole.slice();
  flipped[whole.length - 6] ^= 1;
  await Deno.writeFile(path, flipped);
  await rejects(verifyGzip(path), /ratings\.dat\.gz: corrupt gzip file: incorrect data check/);
});

Deno.test("integrity: prep refuses a truncated ratings.dat.gz before building samples", async () => {
  const text = ratingLines().join("\n") + "\n";
  const dir = await ml1mDir(text, { gzip: true });
  const { report } = await prepareDataset({ dataset: "ml-1m", dataDir: dir });
  assert.equal(report.rowsRead, USERS * MOVIES_PER_USER);
  const whole = await Deno.readFile(join(dir, "ratings.dat.gz"));
  // 15 cut points as in the fault injection, spread over the file (header, body, trailer).
  for (let k = 1; k <= 15; k++) {
    const cut = Math.floor((whole.length * k) / 16);
    await Deno.writeFile(join(dir, "ratings.dat.gz"), whole.subarray(0, cut));
    await rejects(
      prepareDataset({ dataset: "ml-1m", dataDir: dir }),
      /ratings\.dat\.gz: truncated gzip file: its \d+ bytes end inside the compressed stream/,
    );
  }
});

Deno.test("integrity: coerced numbers (4.5, 1e3, 0x10, 5_0) name file, line and column", async () => {
  for (const value of ["4.5", "1e3", "0x10", "5_0"]) {
    const lines = ratingLines();
    lines[41] = `3::2::${value}::978303002`;
    const dir = await ml1mDir(lines.join("\n") + "\n");
    const e = await rejects(
      prepareDataset({ dataset: "ml-1m", dataDir: dir }),
      new RegExp(
        `ratings\\.dat:42 \\(column rating\\): rating is not an integer: "${escaped(value)}"`,
      ),
    );
    assert.deepEqual(e.location, { file: join(dir, "ratings.dat"), line: 42, column: "rating" });
    // The same in the timestamp, and through gzip.
    lines[41] = `3::2::4::97830300${value}`;
    const gz = await ml1mDir(lines.join("\n") + "\n", { gzip: true });
    const t = await rejects(
      prepareDataset({ dataset: "ml-1m", dataDir: gz }),
      /ratings\.dat\.gz:42 \(column ts\): ts is not an integer/,
    );
    assert.equal(t.location?.line, 42);
  }
  // Signs and surrounding blanks are still integers; too large a number says so.
  const signed = ratingLines();
  signed[0] = "1:: 1::+4::978301001";
  await prepareDataset({ dataset: "ml-1m", dataDir: await ml1mDir(signed.join("\n")) });
  signed[0] = "1::99999999999::4::978301001";
  await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: await ml1mDir(signed.join("\n")) }),
    /ratings\.dat:1 \(column iid\): iid is out of range for INTEGER: "99999999999"/,
  );
});

Deno.test("integrity: a generic CSV's coerced rating is caught past the sniffer's sample", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "events.csv");
  // 30,000 clean rows first: DuckDB's sniffer types the column BIGINT and would read 4.5 as 5.
  const rows = ["user,item,stars,ts"];
  for (let k = 0; k < 30_000; k++) rows.push(`u${k % 50},${k % 70},${(k % 5) + 1},${k}`);
  for (const value of ["4.5", "1e3", "0x10", "5_0"]) {
    await Deno.writeTextFile(path, [...rows, `u1,2,${value},30001`].join("\n") + "\n");
    const source = genericSource({
      interactions: {
        path,
        columns: { user: "user", item: "item", rating: "stars", timestamp: "ts" },
      },
    });
    const e = await rejects(
      prepareDataset({ dataset: source }),
      new RegExp(
        `events\\.csv:30002 \\(column stars\\): rating is not an integer: "${escaped(value)}"`,
      ),
    );
    assert.equal(e.location?.line, 30_002);
  }
  // Integers written as floats (5.0) stay accepted, as before.
  await Deno.writeTextFile(path, [...rows, "u1,2,5.0,30001"].join("\n") + "\n");
  const ok = genericSource({
    interactions: {
      path,
      columns: { user: "user", item: "item", rating: "stars", timestamp: "ts" },
    },
  });
  const { report } = await prepareDataset({ dataset: ok });
  assert.equal(report.rowsRead, 30_001);
});

Deno.test("integrity: an Amazon review rated 4.5 names the line", async () => {
  const fx = await writeAmazonFixture();
  const path = join(fx.dir, "Books_5.json.gz");
  const lines = new TextDecoder().decode(gunzipSync(await Deno.readFile(path))).split("\n");
  lines[6] = lines[6].replace(/"overall":\d+/, '"overall":4.5');
  await Deno.writeFile(path, gzipSync(new TextEncoder().encode(lines.join("\n"))));
  await rejects(
    prepareDataset({ dataset: "amazon-book", dataDir: fx.dir }),
    /Books_5\.json\.gz:7 \(column overall\): overall is not an integer: "4\.5"/,
  );
});

Deno.test("integrity: duplicate (user, movie, timestamp) rows are counted, kept or dropped", async () => {
  const clean = ratingLines();
  const copies = clean.filter((_, k) => k % 30 === 0);
  const dir = await ml1mDir([...clean, ...copies].join("\n") + "\n");
  const kept = await prepareDataset({ dataset: "ml-1m", dataDir: dir, validationFraction: 0 });
  assert.equal(kept.report.duplicates, copies.length);
  assert.deepEqual(kept.report.dropped, {});
  const samples = (d: typeof kept.dataset) => d.train.size + d.test.size;
  assert.equal(samples(kept.dataset), clean.length + copies.length - 11 * USERS);

  const dropped = await prepareDataset({
    dataset: "ml-1m",
    dataDir: dir,
    validationFraction: 0,
    duplicates: "drop",
  });
  assert.equal(dropped.report.duplicates, copies.length);
  assert.equal(dropped.report.dropped[DUPLICATES_DROPPED], copies.length);
  const reference = await prepareDataset({
    dataset: "ml-1m",
    dataDir: await ml1mDir(clean.join("\n")),
    validationFraction: 0,
  });
  assert.equal(reference.report.duplicates, 0);
  assert.deepEqual(dropped.dataset.train.label, reference.dataset.train.label);
  assert.deepEqual(dropped.dataset.test.item, reference.dataset.test.item);

  // The prep CLI says how many, and drops them on request.
  const cli = await runTask("prep", ["--dataset=ml-1m", `--data=${dir}`, "--duplicates=drop"]);
  assert.equal(cli.code, 0, cli.stderr);
  const out = JSON.parse(cli.stdout);
  assert.equal(out.duplicates, copies.length);
  assert.equal(out.dropped[DUPLICATES_DROPPED], copies.length);
});

Deno.test("integrity: duplicates in Amazon reviews and generic files are counted", async () => {
  const fx = await writeAmazonFixture();
  const path = join(fx.dir, "Books_5.json.gz");
  const lines = new TextDecoder().decode(gunzipSync(await Deno.readFile(path))).trimEnd()
    .split("\n");
  await Deno.writeFile(
    path,
    gzipSync(new TextEncoder().encode([...lines, ...lines.slice(0, 5)].join("\n") + "\n")),
  );
  const { report } = await prepareDataset({ dataset: "amazon-book", dataDir: fx.dir });
  assert.equal(report.duplicates, 5);

  const dir = await Deno.makeTempDir();
  const csv = join(dir, "events.csv");
  await Deno.writeTextFile(csv, "u,i,r,t\na,1,5,10\na,1,5,10\na,1,4,11\nb,2,3,10\n");
  const source = (duplicates?: "drop") =>
    genericSource({
      interactions: { path: csv, columns: { user: "u", item: "i", rating: "r", timestamp: "t" } },
      duplicates,
    });
  assert.equal((await prepareDataset({ dataset: source() })).report.duplicates, 1);
  const drop = (await prepareDataset({ dataset: source("drop") })).report;
  assert.deepEqual(drop.dropped, { [DUPLICATES_DROPPED]: 1 });
});

Deno.test("integrity: a UTF-8 movies.dat (declared latin-1) names the line", async () => {
  const movies = movieLines();
  // No byte 0x80-0x9f: DuckDB would read these silently as "MÃ©tisse".
  movies[4] = "5::Métisse (1993)::Comedy";
  await rejects(
    prepareDataset({
      dataset: "ml-1m",
      dataDir: await ml1mDir(ratingLines().join("\n"), { movies: movies.join("\n") }),
    }),
    /movies\.dat:5: the file is read as latin-1 but is UTF-8 \("5::Métisse \(1993\)::Comedy"\)/,
  );
  // "Ö" is C3 96 in UTF-8: DuckDB stops with "File is not latin-1 encoded" and no line.
  movies[4] = "5::Movie 5 (1995)::Drama";
  movies[12] = "13::Ödipussi (1988)::Comedy";
  const e = await rejects(
    prepareDataset({
      dataset: "ml-1m",
      dataDir: await ml1mDir(ratingLines().join("\n"), { movies: movies.join("\n") }),
    }),
    /movies\.dat:13: the file is read as latin-1 but is UTF-8/,
  );
  assert.equal(e.location?.line, 13);
});

Deno.test("integrity: latin-1 text loads; a control byte in it names the line", async () => {
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const movies = movieLines();
  movies[4] = "5::M\u00e9tisse (1993)::Comedy";
  const dir = await ml1mDir(ratingLines().join("\n"), { movies: latin1(movies.join("\n")) });
  const { dataset } = await prepareDataset({ dataset: "ml-1m", dataDir: dir });
  assert.ok(dataset.itemInfo.some((i) => i.title === "M\u00e9tisse (1993)"));
  movies[8] = "9::Movie\u0085 9 (1995)::Drama";
  const bad = await ml1mDir(ratingLines().join("\n"), { movies: latin1(movies.join("\n")) });
  await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: bad }),
    /movies\.dat:9: byte 0x85 at position 9 of the line is not latin-1 text/,
  );
  // Lines longer than a read chunk are scanned whole.
  const big = join(await Deno.makeTempDir(), "big.txt");
  const long = "\xe9".repeat(200_000);
  await Deno.writeFile(big, latin1(`a\n${long}\n${long}\x9f${long}\n`));
  assert.equal((await findLatin1Problem(big))?.line, 3);
});

Deno.test("integrity: invalid UTF-8 deep in a (gzip) ratings file names its line (DuckDB finds it)", async () => {
  const enc = new TextEncoder();
  const lines = ratingLines();
  const bytes = (at: number) => {
    const before = enc.encode(lines.slice(0, at).join("\n") + "\n");
    const after = enc.encode("::2::3::978301002\n" + lines.slice(at + 1).join("\n"));
    return new Uint8Array([...before, 0xff, ...after]);
  };
  const plain = await ml1mDir(bytes(500));
  await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: plain }),
    /ratings\.dat:501: invalid UTF-8 byte sequence/,
  );
  const gz = await ml1mDir(bytes(377), { gzip: true });
  await rejects(
    prepareDataset({ dataset: "ml-1m", dataDir: gz }),
    /ratings\.dat\.gz:378: invalid UTF-8 byte sequence/,
  );
});
