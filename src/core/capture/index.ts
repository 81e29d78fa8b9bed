/**
 * The capture engine's pure API: one rule model, several renderers. The executor that runs
 * the rendered text (`applyCapture`) lives in src/capture-exec/apply.ts; see docs/capture.md.
 */
export { buildRules, type RulePolicy } from './build.js';
export { applySections, checkSections, iptablesArgs, renderIptables, rollbackSections, sectionsText, type RestoreSection } from './iptables.js';
export { nftExpr, renderNft, renderNftCleanup } from './nft.js';
export { planCleanup, planReconcile, parseIptablesSave } from './state.js';
export type { Family, Rule, RuleSet, RuleSpec, Table } from './model.js';
