import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api/api-error";
import type { Provider } from "../api/types";
import { useApp } from "../shell/app-context";
import { ApiKeyField } from "./api-key-field";
import { FormField } from "./form-field";
import { HeadersField } from "./headers-field";
import { draftOf, emptyDraft, providerBody, providerFieldOf, type ProviderDraft, type ProviderField } from "./provider-draft";
import { providerActions } from "./use-providers";

type Errors = Partial<Record<ProviderField, string>>;
const FIELD_OF: Record<keyof ProviderDraft, ProviderField> = { name: "name", baseUrl: "base_url", defaultModel: "default_model", timeoutMs: "timeout_ms", apiKey: "api_key", headers: "headers" };

/** Creates a provider (`provider` null) or edits one; the key and header values are write-only. */
export function ProviderForm({ provider, onSaved }: { provider: Provider | null; onSaved(p: Provider, message: string): void }) {
  const { api } = useApp();
  const [draft, setDraft] = useState<ProviderDraft>(() => (provider ? draftOf(provider) : emptyDraft()));
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const problem = useRef<HTMLParagraphElement>(null);
  // A refusal not about one field shows above Save, often below the fold: bring it into view.
  useEffect(() => {
    // A statement, not the arrow's value: Chromium's scrollIntoView returns a promise, not a clean-up.
    problem.current?.scrollIntoView({ block: "nearest" });
  }, [formError]);
  // Another provider chosen, or this one saved: the form starts again from what the service stores.
  useEffect(() => {
    setDraft(provider ? draftOf(provider) : emptyDraft());
    setErrors({});
    setFormError(null);
  }, [provider?.provider_id, provider?.updated_at]); // eslint-disable-line react-hooks/exhaustive-deps
  // A field's error goes once the field is changed: the next save checks it again.
  const set = (patch: Partial<ProviderDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => {
      const rest = { ...e };
      for (const key of Object.keys(patch) as (keyof ProviderDraft)[]) delete rest[FIELD_OF[key]];
      return rest;
    });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const checked = providerBody(draft, provider);
    if ("errors" in checked) {
      setErrors(checked.errors);
      setFormError(null);
      return;
    }
    if (provider && Object.keys(checked.body).length === 0) {
      setErrors({});
      onSaved(provider, "Nothing to save: no field changed.");
      return;
    }
    setSaving(true);
    try {
      const actions = providerActions(api);
      const saved = provider ? await actions.update(provider.provider_id, checked.body) : await actions.create(checked.body);
      setErrors({});
      setFormError(null);
      onSaved(saved, provider ? "Saved." : `Created “${saved.name}”.`);
    } catch (err) {
      // A field's problem beside it; anything else (a duplicate name, no SECRETS_KEY, a refused address) above Save.
      const byField: Errors = {};
      const rest: string[] = [];
      for (const p of err instanceof ApiError ? err.invalidParams : []) {
        const field = providerFieldOf(p.name);
        if (field) byField[field] = p.reason;
        else rest.push(`${p.name} ${p.reason}`);
      }
      setErrors(byField);
      setFormError(Object.keys(byField).length === 0 || rest.length > 0 ? [(err as Error).message, ...rest].join(" ") : null);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="provider-form" noValidate aria-label={provider ? `Provider ${provider.name}` : "New provider"} onSubmit={save}>
      <FormField id="provider-name" label="Name" error={errors.name}>
        {(aria) => <input {...aria} placeholder="e.g. local-vllm" value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
      </FormField>
      <FormField id="provider-base-url" label="Base URL" error={errors.base_url} help="An OpenAI-compatible server, up to /v1.">
        {(aria) => <input {...aria} type="url" spellCheck={false} placeholder="https://api.openai.com/v1" value={draft.baseUrl} onChange={(e) => set({ baseUrl: e.target.value })} />}
      </FormField>
      <ApiKeyField stored={provider?.api_key ?? null} change={draft.apiKey} error={errors.api_key} onChange={(apiKey) => set({ apiKey })} />
      <FormField id="provider-default-model" label="Default model" error={errors.default_model} help="Used when an assistant on this provider names no model.">
        {(aria) => <input {...aria} spellCheck={false} placeholder="e.g. gpt-4o-mini" value={draft.defaultModel} onChange={(e) => set({ defaultModel: e.target.value })} />}
      </FormField>
      <FormField id="provider-timeout" label="Timeout (ms)" error={errors.timeout_ms}>
        {(aria) => <input {...aria} type="number" inputMode="numeric" min={1000} max={600000} step={1000} value={draft.timeoutMs} onChange={(e) => set({ timeoutMs: e.target.value })} />}
      </FormField>
      <HeadersField stored={provider?.headers ?? []} rows={draft.headers} error={errors.headers} onChange={(headers) => set({ headers })} />
      {formError && (
        <p className="error-text" role="alert" ref={problem}>
          {formError}
        </p>
      )}
      <div className="assistant-editor-actions">
        <button type="submit" className="primary" disabled={saving}>
          {provider ? "Save" : "Create provider"}
        </button>
      </div>
    </form>
  );
}
