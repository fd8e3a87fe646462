import assert from "node:assert/strict";
import { hashingTokens } from "../../adapters/embed/hashing.ts";
import { TraitSpace } from "../../plugins/profile/traits.ts";
import { ENGLISH_STOPWORDS, NEGATIONS, TRAIT_STOPWORDS } from "../../util/stopwords.ts";

// The expected tokens and the expected list were printed by the two lists these replaced
// (adapters/embed/stopwords.ts and the STOPWORDS set of plugins/profile/traits.ts), so both
// consumers see exactly the tokens they saw before.

const SENTENCE = "She does not like horror, nor does she watch it herself: no story moves him, " +
  "yet he never misses a tale of love against the odds in one lonely town.";

/** Themes the profile actor's trait space finds in one description (no cut can apply). */
function themesOf(description: string): string[] {
  const space = new TraitSpace(
    [
      { title: "", attributes: [], genres: [] },
      { title: "X", attributes: [], genres: [], description },
    ],
    256,
    1,
  );
  return space.names;
}

Deno.test("stopwords: the hashing embedder keeps negations, trait extraction drops them", () => {
  assert.deepEqual(hashingTokens(SENTENCE), [
    ...["not", "like", "horror", null, "nor", "watch", null, "no", "story", "moves", null],
    ...["yet", "never", "misses", "tale", "love", "odds", "one", "lonely", "town", null],
  ]);
  assert.deepEqual(themesOf(SENTENCE), [
    ...["like", "horror", "watch", "herself", "moves", "him", "yet", "never", "misses", "love"],
    ...["against", "odds", "lonely", "town"],
  ]);
});

Deno.test("stopwords: the rule on negations, stated once", () => {
  for (const word of NEGATIONS) {
    assert.ok(!ENGLISH_STOPWORDS.includes(word), word);
    assert.ok(TRAIT_STOPWORDS.has(word), word);
  }
  for (const word of ENGLISH_STOPWORDS) {
    // The words the trait list never had stay candidate themes.
    if (!TRAIT_STOPWORDS.has(word)) assert.ok(themesOf(`${word} ${word}`).includes(word), word);
  }
});

Deno.test("stopwords: the embedder's default list is unchanged, word for word and in order", () => {
  assert.deepEqual(
    ENGLISH_STOPWORDS,
    ("a about above after again against all also am an and any are as at be because been before " +
      "being below between both but by can could d did do does doing down during each few for from " +
      "further had has have having he her here hers herself him himself his how i if in into is it " +
      "its itself just ll m me more most my myself now of off on once only or other our ours " +
      "ourselves out over own re s same she should so some such t than that the their theirs them " +
      "themselves then there these they this those through to too under until up ve very was we " +
      "were what when where which while who whom why will with would you your yours yourself " +
      "yourselves").split(" "),
  );
});
