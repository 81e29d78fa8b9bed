/**
 * Maps zod issues to the capture config's `SettingIssue`s exactly as `parseCaptureSettings`
 * words them: the first element of the path is the setting, a second numeric element is the
 * index of a comma-list item, which the message then quotes. Shared by the two zod/mini
 * variants of the capture config this benchmark times against the parser table.
 */
import type * as z from 'zod/mini';
import { splitList, type CaptureSettingName, type CaptureSettings, type SettingIssue } from '../../../src/core/config/capture.js';

export function settingIssues(issues: readonly z.core.$ZodIssue[], input: Partial<CaptureSettings>): SettingIssue[] {
  const out: SettingIssue[] = [];
  for (const issue of issues) {
    const [key, index] = issue.path;
    const setting = key as CaptureSettingName;
    if (out.some((i) => i.setting === setting)) continue; // the first issue per setting
    const value = String(input[setting] ?? '');
    const item = typeof index === 'number' ? splitList(value)[index] : undefined;
    out.push({ setting, value, message: item === undefined ? issue.message : `${JSON.stringify(item)}: ${issue.message}` });
  }
  return out;
}

/** The derived fields of `CaptureConfig`, from the per-setting values. */
export function derive<S extends { proxyUid: string[]; proxyGid: string[]; ownerGroupsInclude: '*' | string[]; ownerGroupsExclude: string[]; probeTimeout: number }>(s: S) {
  const { proxyUid, proxyGid, ownerGroupsInclude, ownerGroupsExclude, probeTimeout, ...rest } = s;
  const ownerGroups = ownerGroupsInclude === '*' ? { except: true, groups: ownerGroupsExclude } : { except: false, groups: ownerGroupsInclude };
  return { ...rest, proxyUids: proxyUid, proxyGids: proxyGid.length > 0 ? proxyGid : proxyUid, ownerGroups, probeTimeoutMs: probeTimeout };
}
