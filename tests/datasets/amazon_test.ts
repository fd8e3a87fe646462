import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanAmazonText, DatasetError, prepareDataset } from "../../datasets/mod.ts";
import { writeAmazonFixture } from "../fixtures/amazon_books.ts";

Deno.test("amazon-book: k-core, metadata drop, attributes and labels on a fixture", async () => {
  const fx = await writeAmazonFixture();
  const { dataset: d, report } = await prepareDataset({
    dataset: "amazon-book",
    dataDir: fx.dir,
    validationFraction: 0,
  });
  assert.deepEqual(d.users.raw.slice(1).sort(), fx.coreUsers);
  assert.deepEqual(d.items.raw.slice(1).sort(), fx.coreItems);
  assert.equal(report.dropped["review without overall"], 3);
  assert.equal(report.dropped["outside the 60/40-core"], 50);
  assert.equal(
    report.dropped["item without metadata (k-core not re-checked)"],
    70 * 62 - fx.coreReviews,
  );
  assert.equal(d.attrFields, 2);
  assert.deepEqual(d.attrFieldNames, ["brand", "category"]);
  const info = (asin: string) => d.itemInfo[d.items.index.get(asin)!];
  assert.equal(info("B000").title, "Pride & Prejudice");
  assert.equal(info("B001").title, '"Quoted" - Title');
  assert.equal(info("B002").title, "unknown title");
  assert.deepEqual(info("B003").attributes, ["unknown brand", "Literature & Fiction"]);
  assert.deepEqual(info("B004").attributes, ["Author 4", "Mystery"]);
  // One shared attribute vocabulary over both fields.
  const b4 = d.items.index.get("B004")!;
  assert.equal(d.attributes.raw[d.itemAttrs[b4 * 2]], "Author 4");
  assert.equal(d.attributes.raw[d.itemAttrs[b4 * 2 + 1]], "Mystery");
  // Books: only 5 stars is a like.
  for (let r = 0; r < d.train.size; r++) {
    assert.equal(d.train.label[r], d.train.rating[r] > 4 ? 1 : 0);
  }
  // Per user: n reviews with metadata left, s = floor(0.8 n), train 11..s, test s+1..n-1.
  let train = 0, test = 0;
  for (let u = 0; u < 70; u++) {
    let n = 0;
    for (let k = 0; k < 62; k++) if ((u * 7 + k) % 80 !== 79) n++;
    const s = Math.floor(0.8 * n);
    train += s - 10;
    test += n - 1 - s;
  }
  assert.equal(d.train.size, train);
  assert.equal(d.test.size, test);
});

Deno.test("amazon-book: malformed JSON names the file and line", async () => {
  const fx = await writeAmazonFixture();
  const path = join(fx.dir, "Books_5.json.gz");
  const good = '{"reviewerID":"U1","asin":"B1","overall":5.0,"unixReviewTime":1}';
  const text = `${good}\n{"reviewerID":"U1" "asin":"B2"}\n${good}\n`;
  await Deno.writeFile(path, new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")));
  const e = await prepareDataset({ dataset: "amazon-book", dataDir: fx.dir }).catch((e) => e);
  assert.ok(e instanceof DatasetError);
  assert.match(e.message, /Books_5\.json\.gz:2/);
});

Deno.test("amazon-book: text cleaning maps unreadable strings to undefined", () => {
  assert.equal(cleanAmazonText("  A &#39;Tale&#39;   of   Two\tCities "), "A 'Tale' of Two Cities");
  assert.equal(cleanAmazonText("12"), undefined);
  assert.equal(cleanAmazonText("1234"), undefined);
  assert.equal(cleanAmazonText("Caf\u00e9 Stories"), undefined);
  const long = "word ".repeat(40);
  assert.ok(cleanAmazonText(long)!.length <= 150);
});
