// The lifecycle commands beyond create/update/delete: the spec's Contact verbs and tenant settings.
// Ids and time arrive with the command, so deciding stays pure.
import type { Command } from '../commands';
import type { SettingsPatch } from '../settings';

export type VerbCommand =
  | { readonly kind: 'qualify'; readonly noun: string; readonly id: string }
  | {
      readonly kind: 'capture';
      readonly noun: string;
      /** Id for the contact, used only if no live contact (or merged alias) has the email. */
      readonly newId: string;
      readonly leadId: string;
      readonly time: string;
      readonly data: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'assign'; readonly noun: string; readonly id: string; readonly owner: string }
  | { readonly kind: 'merge'; readonly noun: string; readonly id: string; readonly sources: readonly string[] }
  | {
      readonly kind: 'enrich';
      readonly noun: string;
      readonly id: string;
      readonly data: Readonly<Record<string, unknown>>;
      readonly source: string;
      readonly overwrite: boolean;
    }
  | { readonly kind: 'settings'; readonly patch: SettingsPatch };

export type AnyCommand = Command | VerbCommand;
