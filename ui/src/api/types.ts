// The API's types. Everything the Rust side sends or accepts is generated from its DTOs by ts-rs
// into ./generated (src/api/bindings.rs): regenerate with `make bindings`; `make test` fails when
// the committed files are stale. This file re-exports them and derives the typed call from the
// generated `Methods` map (each method's params and answer, from its one declaration in
// src/api/methods.rs).
import type { ApiError, Methods } from './generated';

export type * from './generated';

/** `{code, message}`, as every transport reports an error (`ApiError` is the UI's error class). */
export type ApiErrorDto = ApiError;

/** Every method `Backend.call` can send. */
export type Method = keyof Methods;

/** The parameters of `method`; `null` for methods without any. */
export type ParamsOf<M extends Method> = Methods[M]['params'];

/** The answer to `method`. */
export type AnswerOf<M extends Method> = Methods[M]['answer'];
