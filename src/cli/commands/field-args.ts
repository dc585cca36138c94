/** The field options of eval and predict: the names the model was trained with, unless given again. */
import type { FieldNames, Lexicon } from '../meta.js';

export interface FieldArgs {
  textField?: string;
  labelField?: string;
  tagsField?: string;
  sourceField?: string;
  targetField?: string;
  conditionField?: string;
}

export function withFields(lex: Lexicon, args: FieldArgs): Lexicon {
  const f = lex.meta.settings.fields;
  const fields: FieldNames = {
    text: args.textField ?? f.text,
    label: args.labelField ?? f.label,
    tags: args.tagsField ?? f.tags,
    source: args.sourceField ?? f.source,
    target: args.targetField ?? f.target,
    condition: args.conditionField ?? f.condition,
  };
  return { ...lex, meta: { ...lex.meta, settings: { ...lex.meta.settings, fields } } };
}
