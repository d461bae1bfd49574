/**
 * Neutron's standard attributes (neutron/db/standard_attr.py and the timestamp/revision extensions) as one
 * attribute-map fragment, shared by every resource's map: `id`, project, `description`, timestamps and
 * `revision_number`. Resources add `name` ({@link TEXT_ATTRIBUTE}) and `tags` where Neutron has them.
 *
 * @module
 */
import { readOnly, type WritableAttribute } from './attribute-map.js';
import { toText } from './converters.js';

/** A string of at most 255 characters, set on create and update, filterable (`name`, `description`). */
export const TEXT_ATTRIBUTE: WritableAttribute<string> = {
  post: true,
  put: true,
  convert: toText(255),
  filter: 'string',
};

/** The owning project: set on create only. */
const PROJECT_ATTRIBUTE: WritableAttribute<string> = {
  post: true,
  put: false,
  convert: toText(255),
  filter: 'string',
};

export const STANDARD_ATTRIBUTES = {
  id: readOnly('string'),
  description: TEXT_ATTRIBUTE,
  tenant_id: PROJECT_ATTRIBUTE,
  project_id: PROJECT_ATTRIBUTE,
  // Neither filter nor sort key in Neutron (no is_filter / is_sort_key in its timestamp extension):
  // `?created_at=` is 400 "['created_at'] is invalid attribute for filtering".
  created_at: readOnly(),
  updated_at: readOnly(),
  revision_number: readOnly('integer'),
};
