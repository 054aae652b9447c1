// The API's types. Everything the Rust side sends or accepts is generated from its DTOs by ts-rs
// into ./generated (src/api/bindings.rs): regenerate with `make bindings`; `make test` fails when
// the committed files are stale. This file re-exports them and adds what only the UI needs.
import type { ApiError, Request, Responses, ViewRequest } from './generated';

export type * from './generated';

/** `{code, message}`, as every transport reports an error (`ApiError` is the UI's error class). */
export type ApiErrorDto = ApiError;

/** Every method `Backend.call` can send (core API and view requests). */
export type AnyRequest = Request | ViewRequest;
export type Method = AnyRequest['method'];

/** The parameters of `method`; `undefined` for methods without any. */
export type ParamsOf<M extends Method> = Extract<AnyRequest, { method: M }> extends { params: infer P } ? P : undefined;

/** The answer to `method`. */
export type AnswerOf<M extends Method> = Responses[M];
