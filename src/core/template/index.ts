/**
 * A pure, generic Go text/template engine: Go's template semantics, Go's value model over JSON
 * data (typed struct views for whatever types a user registers in `goTypes`), sprig v3 and Go's
 * fmt. No I/O, clock or environment access, and nothing Istio-specific (lint enforces it):
 * Istio's template functions and its Kubernetes/Istio type views live beside the injector
 * (src/core/inject/go-template).
 */
export { Template, parseTemplate, type ExecuteOptions } from './template.js';
export { TemplateError, TemplateErrorCode, TemplateExecError, TemplateParseError } from './errors.js';
export { fn, FuncError, type FuncDef, type FuncMap, type Param } from './funcs.js';
export { BUILTINS } from './builtins.js';
export { createSprigFuncs, type SprigDeps } from './sprig.js';
export { goTypes, TypeRegistry, type GoType, type StructType } from './types.js';
export { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, wrap } from './values.js';
export { goYamlMarshal } from './go-yaml.js';
export { goJsonMarshal } from './go-json.js';
export { sprint } from './go-fmt.js';
export { sprintf } from './go-sprintf.js';
