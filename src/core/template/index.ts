/**
 * A pure Go text/template engine for Istio's injection template language: Go's template
 * semantics, Go's value model over JSON data (typed struct views for Kubernetes and Istio
 * types), sprig v3 and Istio's template functions. No I/O, clock or environment access:
 * everything from outside is injected (see createIstioFuncs).
 */
export { Template, parseTemplate, type ExecuteOptions } from './template.js';
export { TemplateError, TemplateErrorCode, TemplateExecError, TemplateParseError } from './errors.js';
export { fn, FuncError, type FuncDef, type FuncMap, type Param } from './funcs.js';
export { BUILTINS } from './builtins.js';
export { createSprigFuncs, type SprigDeps } from './sprig.js';
export { createIstioFuncs, istioOnlyFuncs, type IstioFuncDeps } from './istio-funcs.js';
export { sidecarTemplateData, SIDECAR_TEMPLATE_DATA, type SidecarTemplateInput } from './istio-types.js';
export { goTypes } from './k8s-types.js';
export { TypeRegistry, type GoType, type StructType } from './types.js';
export { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, wrap } from './values.js';
export { goYamlMarshal } from './go-yaml.js';
export { goJsonMarshal } from './go-json.js';
export { sprint } from './go-fmt.js';
export { sprintf } from './go-sprintf.js';
