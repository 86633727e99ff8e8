// Field names of the API's row types, checked against the generated schema. A model that
// keeps keys it does not name is typed with an index signature (`[key: string]: unknown`);
// these helpers look past it, so only the fields the API names are accepted.

/** The fields a row's model names. */
export type Named<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The named fields of `T` whose values are `V` (or missing, or null). */
export type KeyOf<T, V> = { [K in keyof Named<T>]-?: NonNullable<Named<T>[K]> extends V ? K : never }[keyof Named<T>] &
  string;

/** The named fields of `T` that hold a number. */
export type NumberKey<T> = KeyOf<T, number>;
/** The named fields of `T` that hold text. */
export type TextKey<T> = KeyOf<T, string>;
