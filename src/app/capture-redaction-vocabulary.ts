/**
 * What the redaction of `instance check` captures needs to know about one product's payloads: which fields hold
 * names, what kind of object a route answers with, the literal words of its routes, and what identifies the
 * installation. Each product's check supplies its own; the redaction itself knows no product. Plain data.
 */

/** What a name in a request or a payload is. */
export type IdentityKind = 'username' | 'userKey' | 'displayName' | 'email' | 'group';

/** What kind of object a name field is in: a user, a group, or neither (a role, a permission, a page wrapper). */
export type Holder = 'user' | 'group' | null;

/** The kind of name a field holds, by the kind of object it is in; a kind left out means the field is no name there. */
export interface FieldKinds {
  readonly user?: IdentityKind;
  readonly group?: IdentityKind;
  readonly other?: IdentityKind;
}

/**
 * What the objects of the routes under `under` (a lower-cased template, no trailing `/`; every route when absent)
 * ending in `endsWith` are when they carry no `type`, and what their permission subjects are: `subject` is a user
 * when it carries one of `subjectUserFields`, else a group.
 */
export interface RouteRule {
  readonly under?: string;
  readonly endsWith?: string;
  readonly items: Holder;
  readonly subjects?: Holder | 'subject';
}

/** What the objects under a field are: a kind, `same` as the object holding the field, or the route's `subjects`. */
export type ChildKind = Holder | 'same' | 'subjects';

/** How one product's payloads carry names, as its check supplies it to redactCaptures. */
export interface RedactionVocabulary {
  /** Where the instance's own links point after redaction: `https://<product>.example.invalid`. */
  readonly origin: string;
  /** Fields whose values are vocabulary, never names: kept as sent (status words, login times, versions). */
  readonly keptFields: ReadonlySet<string>;
  /**
   * Literal path segments of the product's routes. A name equal to one of them (a user called `admin`) cannot be told
   * from the route in a link, so such a segment is left as it is; the name is replaced everywhere else.
   */
  readonly routeWords: ReadonlySet<string>;
  /** String fields that hold a name, by the kind of object they are in. */
  readonly nameFields: ReadonlyMap<string, FieldKinds>;
  /** Fields that hold a list of names (an application role's groups): each string in the list is one. */
  readonly nameLists: ReadonlyMap<string, IdentityKind>;
  /** What a `type` value (lower-cased) says an object is. */
  readonly typeValues: ReadonlyMap<string, 'user' | 'group'>;
  /** What the objects under a field are; any other field's objects are of no known kind. */
  readonly childFields: ReadonlyMap<string, ChildKind>;
  /** A permission subject without a `type` is a user when it carries one of these fields, else a group. */
  readonly subjectUserFields: readonly string[];
  /** What each route's objects are; the first rule that matches applies, none: of no known kind. */
  readonly routes: readonly RouteRule[];
  /** Fields that identify the installation (its id, its site title), replaced by a fixed value in one route's answer. */
  readonly installationFields: readonly { readonly template: string; readonly fields: Readonly<Record<string, string>> }[];
  /** The parts of an HTML page that are kept (a global pattern: version meta tags); null: every page is left out. */
  readonly keptMarkup: RegExp | null;
}

/** The same kind of name whatever object the field is in. */
export function everywhere(kind: IdentityKind): FieldKinds {
  return { user: kind, group: kind, other: kind };
}
