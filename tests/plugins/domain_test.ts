import assert from "node:assert/strict";
import {
  bookDomain,
  defineDomain,
  domainWords,
  isLike,
  movieDomain,
  ratingRule,
} from "../../plugins/domain.ts";

Deno.test("built-in domains: ML-1M likes are 4-5, Amazon-Book likes are 5 only", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((r) => isLike(movieDomain, r)), [
    false,
    false,
    false,
    true,
    true,
  ]);
  assert.deepEqual([1, 2, 3, 4, 5].map((r) => isLike(bookDomain, r)), [
    false,
    false,
    false,
    false,
    true,
  ]);
  assert.equal(
    ratingRule(bookDomain),
    "Ratings range from 1 to 5. A rating above 4 means the user liked the book; a rating of 4 or below means the user disliked it.",
  );
  assert.equal(domainWords(movieDomain).pairFormat, "[MOVIE NAME (YEAR), RATING]");
  assert.equal(domainWords(bookDomain).pairFormat, "[Book NAME, RATING]");
});

Deno.test("defineDomain validates and normalises a host's domain", () => {
  const d = defineDomain({ itemNoun: " Board Game ", ratingScale: [0, 10], likeThreshold: 6 });
  assert.equal(d.itemNoun, "board game");
  assert.equal(domainWords(d).Noun, "Board Game");
  assert.equal(domainWords(d).pairFormat, "[BOARD GAME NAME, RATING]");
  assert.throws(
    () => defineDomain({ itemNoun: "", ratingScale: [1, 5], likeThreshold: 3 }),
    /invalid domain/,
  );
  assert.throws(
    () => defineDomain({ itemNoun: "<b>", ratingScale: [1, 5], likeThreshold: 3 }),
    /letters and spaces/,
  );
});
