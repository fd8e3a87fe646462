/**
 * The built-in prompt templates of the 12 kinds, as data: the prompt contract's wording
 * (docs/method.md#prompts), in the template language of `template.ts`. They render byte-identical
 * to the renderers they replaced (`tests/fixtures/prompts_golden.json` pins it). A user's own
 * templates replace any of them (see `templates.ts`).
 *
 * @module
 */
import type { PromptKindName } from "./placeholders.ts";

/**
 * The built-in template text of every kind.
 *
 * @example
 * ```ts
 * import { BUILTIN_TEMPLATES } from "./builtin.ts";
 * console.log(BUILTIN_TEMPLATES["user.reason.inference"].split("\n")[0]); // "You are an expert recommender engine."
 * ```
 */
export const BUILTIN_TEMPLATES: Readonly<Record<PromptKindName, string>> = Object.freeze({
  "user.reason.construction": `You are an expert recommender engine.
Task: given a user's {noun} rating history and a target {noun}, infer the user's preferences and predict whether the user will like the target {noun}.
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
<Target {Noun} Name>
{target_item}
</Target {Noun} Name>
Reason step by step. First describe the user's preferences in about 200 words covering the genres, themes, styles and other qualities of {noun}s the user enjoys and those the user avoids, how strongly and how consistently, and how their tastes have shifted over time. Base the description on the history alone: it must not mention the target {noun} or any information about it. Then predict whether the user will like the target {noun}.
Answer in exactly this format:
<User Preference>
the user's preferences
</User Preference>
<Final Verdict>
your prediction
</Final Verdict>
Inside <Final Verdict> write exactly "{verdict_like}" or exactly "{verdict_dislike}", and nothing else.`,
  "user.reason.inference": `You are an expert recommender engine.
Task: given a user's {noun} rating history, infer the user's preferences.
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
Reason step by step and describe the user's preferences in about 200 words covering the genres, themes, styles and other qualities of {noun}s the user enjoys and those the user avoids, how strongly and how consistently, and how their tastes have shifted over time. Answer with the description only, as plain text: no tags, headings or preamble.`,
  "item.reason.construction": `You are an expert recommender engine.
Task: given a target {noun}, the rating history of a user who liked it, the rating history of a user who disliked it and the rating history of a target user, infer knowledge about the {noun} and predict whether the target user will like it.
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
<Target User History>
{target_user_history}
</Target User History>
Reason step by step. First write knowledge about the {noun} in about 200 words in three numbered parts: (1) the basic attributes of the {noun} ({attribute_hints}); (2) the traits of users who like it; (3) the traits of users who dislike it. The knowledge must describe the {noun} only: it must not mention the target user or anything from the target user's history. Then predict whether the target user will like the {noun}.
Answer in exactly this format:
<{Noun} Knowledge>
the knowledge about the {noun}
</{Noun} Knowledge>
<Final Verdict>
your prediction
</Final Verdict>
Inside <Final Verdict> write exactly "{verdict_like}" or exactly "{verdict_dislike}", and nothing else.`,
  "item.reason.inference": `You are an expert recommender engine.
Task: given a {noun}, the rating history of a user who liked it and the rating history of a user who disliked it, infer knowledge about the {noun}.
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
Reason step by step and write knowledge about the {noun} in about 200 words in three numbered parts: (1) the basic attributes of the {noun} ({attribute_hints}); (2) the traits of users who like it; (3) the traits of users who dislike it. Answer with the knowledge only, as plain text: no tags or preamble.`,
  "user.reflect.construction": `You are an impartial judge.
Below is a question given to a recommender engine, followed by the user preference it inferred.
<Question>
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
<Target {Noun} Name>
{target_item}
</Target {Noun} Name>
Infer the user's preferences from the history, then predict whether the user will like the target {noun}.
</Question>
<Previous User Preference>
{knowledge}
</Previous User Preference>
{evidence}
Judge step by step whether the user preference is correct: faithful to the ratings in the history (likes above the threshold, dislikes at or below it), specific, free of contradictions, and useful for predicting whether the user will like the target {noun}. If it is not reasonable, write a reflection of at most 200 words explaining what is wrong or missing and how to improve it; the reflection must not mention the target {noun} or any information about it. If it is reasonable, leave the reflection empty.
Answer in exactly this format:
<Final Judgement>
your judgement
</Final Judgement>
<Reflection>
your reflection, or nothing
</Reflection>
Inside <Final Judgement> write exactly "{judgement_reasonable}" or exactly "{judgement_unreasonable}", and nothing else.`,
  "user.reflect.inference": `You are an impartial judge.
Below is a question given to a recommender engine, followed by the user preference it inferred.
<Question>
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
Infer the user's preferences from the history.
</Question>
<Previous User Preference>
{knowledge}
</Previous User Preference>
{evidence}
Judge step by step whether the user preference is correct: faithful to the ratings in the history (likes above the threshold, dislikes at or below it), specific, free of contradictions, and useful for predicting which {noun}s the user will like. If it is not reasonable, write a reflection of at most 200 words explaining what is wrong or missing and how to improve it. If it is reasonable, leave the reflection empty.
Answer in exactly this format:
<Final Judgement>
your judgement
</Final Judgement>
<Reflection>
your reflection, or nothing
</Reflection>
Inside <Final Judgement> write exactly "{judgement_reasonable}" or exactly "{judgement_unreasonable}", and nothing else.`,
  "item.reflect.construction": `You are an impartial judge.
Below is a question given to a recommender engine, followed by the {noun} knowledge it inferred.
<Question>
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
<Target User History>
{target_user_history}
</Target User History>
Infer knowledge about the {noun}, then predict whether the target user will like it.
</Question>
<Previous {Noun} Knowledge>
{knowledge}
</Previous {Noun} Knowledge>
{evidence}
Judge step by step whether the {noun} knowledge is correct: accurate about the {noun}, consistent with who liked and who disliked it, organised in three parts (basic attributes, traits of users who like it, traits of users who dislike it), and useful for predicting whether the target user will like the {noun}. If it is not reasonable, write a reflection of at most 200 words explaining what is wrong or missing and how to improve it; the reflection must not mention the target user or anything from the target user's history. If it is reasonable, leave the reflection empty.
Answer in exactly this format:
<Final Judgement>
your judgement
</Final Judgement>
<Reflection>
your reflection, or nothing
</Reflection>
Inside <Final Judgement> write exactly "{judgement_reasonable}" or exactly "{judgement_unreasonable}", and nothing else.`,
  "item.reflect.inference": `You are an impartial judge.
Below is a question given to a recommender engine, followed by the {noun} knowledge it inferred.
<Question>
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
Infer knowledge about the {noun}.
</Question>
<Previous {Noun} Knowledge>
{knowledge}
</Previous {Noun} Knowledge>
{evidence}
Judge step by step whether the {noun} knowledge is correct: accurate about the {noun}, consistent with who liked and who disliked it, organised in three parts (basic attributes, traits of users who like it, traits of users who dislike it), and useful for predicting which users will like the {noun}. If it is not reasonable, write a reflection of at most 200 words explaining what is wrong or missing and how to improve it. If it is reasonable, leave the reflection empty.
Answer in exactly this format:
<Final Judgement>
your judgement
</Final Judgement>
<Reflection>
your reflection, or nothing
</Reflection>
Inside <Final Judgement> write exactly "{judgement_reasonable}" or exactly "{judgement_unreasonable}", and nothing else.`,
  "user.refine.construction": `You are a helpful assistant for a recommender system.
Task: a recommender engine inferred a user's preferences from the user's {noun} rating history to predict whether the user will like a target {noun}, and a judge wrote a reflection on them. Refine the preferences according to the reflection, then give your final answer.
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
<Target {Noun} Name>
{target_item}
</Target {Noun} Name>
<Previous User Preference>
{knowledge}
</Previous User Preference>
<Reflection>
{reflection}
</Reflection>
Reason step by step. Rewrite the user's preferences, fixing what the reflection points out and keeping what was right, in about 200 words covering the genres, themes, styles and other qualities of {noun}s the user enjoys and those the user avoids, how strongly and how consistently, and how their tastes have shifted over time. The refined preferences must not mention the target {noun} or any information about it. Then predict whether the user will like the target {noun}.
Answer in exactly this format:
<Refined User Preference>
the refined preferences
</Refined User Preference>
<Final Verdict>
your prediction
</Final Verdict>
Inside <Final Verdict> write exactly "{verdict_like}" or exactly "{verdict_dislike}", and nothing else.`,
  "user.refine.inference": `You are an expert recommender engine.
Task: a recommender engine inferred a user's preferences from the user's {noun} rating history, and a judge wrote a reflection on them. Refine the preferences according to the reflection.
{rating_rule}
The user history lists the user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<User History>
{user_history}
</User History>
<Previous User Preference>
{knowledge}
</Previous User Preference>
<Reflection>
{reflection}
</Reflection>
Reason step by step and rewrite the user's preferences, fixing what the reflection points out and keeping what was right, in about 200 words covering the genres, themes, styles and other qualities of {noun}s the user enjoys and those the user avoids, how strongly and how consistently, and how their tastes have shifted over time. Answer with the refined description only, as plain text: no tags, headings or preamble.`,
  "item.refine.construction": `You are an expert recommender engine.
Task: a recommender engine inferred knowledge about a {noun} from the rating histories of a user who liked it and a user who disliked it, to predict whether a target user will like it, and a judge wrote a reflection on it. Refine the knowledge according to the reflection, then give your final answer.
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
<Target User History>
{target_user_history}
</Target User History>
<Previous {Noun} Knowledge>
{knowledge}
</Previous {Noun} Knowledge>
<Reflection>
{reflection}
</Reflection>
Reason step by step. Rewrite the knowledge about the {noun}, fixing what the reflection points out and keeping what was right, in about 200 words in three numbered parts: (1) the basic attributes of the {noun} ({attribute_hints}); (2) the traits of users who like it; (3) the traits of users who dislike it. The knowledge must describe the {noun} only: it must not mention the target user or anything from the target user's history. Then predict whether the target user will like the {noun}.
Answer in exactly this format:
<Refined {Noun} Knowledge>
the refined knowledge about the {noun}
</Refined {Noun} Knowledge>
<Final Verdict>
your prediction
</Final Verdict>
Inside <Final Verdict> write exactly "{verdict_like}" or exactly "{verdict_dislike}", and nothing else.`,
  "item.refine.inference": `You are an expert recommender engine.
Task: a recommender engine inferred knowledge about a {noun} from the rating histories of a user who liked it and a user who disliked it, and a judge wrote a reflection on it. Refine the knowledge according to the reflection.
{rating_rule}
Each history lists one user's ratings in chronological order (oldest first, most recent last), one entry per {noun} in the format {pair_format}.
<Target {Noun} Name>
{item_title}
</Target {Noun} Name>
<Like User History>
{liker_history}
</Like User History>
<Dislike User History>
{disliker_history}
</Dislike User History>
<Previous {Noun} Knowledge>
{knowledge}
</Previous {Noun} Knowledge>
<Reflection>
{reflection}
</Reflection>
Reason step by step and rewrite the knowledge about the {noun}, fixing what the reflection points out and keeping what was right, in about 200 words in three numbered parts: (1) the basic attributes of the {noun} ({attribute_hints}); (2) the traits of users who like it; (3) the traits of users who dislike it. Answer with the refined knowledge only, as plain text: no tags or preamble.`,
});
