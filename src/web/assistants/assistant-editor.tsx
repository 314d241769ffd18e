import type { Assistant as SdkAssistant } from "@langchain/langgraph-sdk";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { ApiError } from "../api/api-error";
import { useApp } from "../shell/app-context";
import { useProviders } from "../providers/use-providers";
import { useOpenThread } from "../threads/use-open-thread";
import { applyModelChoice, modelChoiceError, modelFieldOfParam, showsModelChoice, storedModelChoice, withoutModelFields, type ModelChoice } from "./model-choice";
import { ModelChoiceFields } from "./model-choice-fields";
import { fromDraft, toDraft } from "./schema-fields";
import { SchemaField } from "./schema-field";
import { fieldKey, fieldOfParam, settingsSections, storedValue } from "./settings-sections";
import { assistantsChanged, useAssistants } from "./use-assistants";
import { useEditableAssistant } from "./use-editable-assistant";
import "./assistants.css";

type Draft = string | boolean | undefined;
type JsonObject = Record<string, unknown>;

/**
 * The assistant of the open thread (or, with none open, the one new chats start with): its name
 * and its settings, as a form drawn from its graph's config and context schemas, so it fits any
 * graph. A stored assistant saves as a new version; a graph's defaults save as a new assistant.
 */
export function AssistantEditor() {
  const { api, assistantId, setAssistantId, threadId } = useApp();
  const thread = useOpenThread();
  const source = threadId ? (thread?.assistant_id ?? null) : assistantId;
  const [target, setTarget] = useState<string | null>(source);
  useEffect(() => setTarget(source), [source]);
  const { choices } = useAssistants();
  const { loaded, error: loadError, replace } = useEditableAssistant(target);
  const allSections = useMemo(() => settingsSections(loaded?.schemas ?? null), [loaded?.schemas]);
  // The provider and model have a section of their own, with the tenant's providers to choose from.
  const sections = useMemo(() => withoutModelFields(allSections), [allSections]);
  const { providers, error: providersError } = useProviders();
  const [choice, setChoice] = useState<ModelChoice>({ providerId: "", model: "" });
  const [name, setName] = useState("");
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  // A newly loaded assistant fills the form with what it stores.
  useEffect(() => {
    if (!loaded) return;
    const { assistant, stored } = loaded;
    const context = (assistant.context ?? {}) as JsonObject;
    const configurable = (assistant.config?.configurable ?? {}) as JsonObject;
    setName(stored ? assistant.name : "");
    setChoice(storedModelChoice(context, configurable));
    setDrafts(Object.fromEntries(sections.flatMap((s) => s.fields.map((f) => [fieldKey(s.target, f.key), toDraft(f, storedValue(s.target, f.key, context, configurable))]))));
    setErrors({});
    setFormError(null);
  }, [loaded, sections]);

  if (!target) return <p className="empty">Open a thread or choose an assistant.</p>;
  if (loadError) return <p className="empty error-text">{loadError}</p>;
  if (!loaded) return <p className="empty">Loading…</p>;
  const { assistant, stored } = loaded;
  const graphs = choices.filter((c) => !c.stored);
  const showModel = showsModelChoice(allSections, (assistant.config?.configurable ?? {}) as JsonObject);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    // Checked here first, each message next to its field; the service checks again (400 invalid_params).
    const found: Record<string, string> = {};
    const context = { ...((assistant.context ?? {}) as JsonObject) };
    const configurable = { ...((assistant.config?.configurable ?? {}) as JsonObject) };
    for (const section of sections) {
      for (const field of section.fields) {
        const key = fieldKey(section.target, field.key);
        const result = fromDraft(field, drafts[key]);
        if ("error" in result) {
          found[key] = result.error;
          continue;
        }
        for (const place of section.target === "both" ? [context, configurable] : [section.target === "context" ? context : configurable]) {
          if (result.value === undefined) delete place[field.key];
          else place[field.key] = result.value;
        }
      }
    }
    if (showModel) {
      const modelError = modelChoiceError(choice);
      if (modelError) found["model.model"] = modelError;
      else applyModelChoice(choice, allSections, context, configurable);
    }
    if (!name.trim()) found.name = "must not be empty";
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setSaving(true);
    try {
      if (stored) {
        const updated = await api.json<SdkAssistant>(`/assistants/${assistant.assistant_id}`, {
          method: "PATCH",
          body: { name: name.trim(), config: { ...assistant.config, configurable }, context },
        });
        replace(updated);
        setSaved(`Saved: version ${updated.version}.`);
      } else {
        const created = await api.json<SdkAssistant>("/assistants", {
          body: { graph_id: assistant.graph_id, name: name.trim(), config: { configurable }, context },
        });
        setAssistantId(created.assistant_id);
        setTarget(created.assistant_id);
        setSaved(`Created “${created.name}” (version ${created.version}); new chats use it.`);
      }
      assistantsChanged();
      setFormError(null);
    } catch (err) {
      const params = err instanceof ApiError ? err.invalidParams : [];
      const byField: Record<string, string> = {};
      const rest: string[] = [];
      for (const p of params) {
        const modelField = modelFieldOfParam(p.name);
        const field = modelField ? `model.${modelField}` : fieldOfParam(p.name, sections);
        if (field) byField[field] = p.reason;
        else rest.push(`${p.name} ${p.reason}`);
      }
      setErrors(byField);
      setFormError(params.length === 0 || rest.length > 0 ? [(err as Error).message, ...rest].join(" ") : null);
    } finally {
      setSaving(false);
    }
  };

  const setDraft = (key: string, draft: Draft) => setDrafts((d) => ({ ...d, [key]: draft }));
  return (
    <form className="assistant-editor" noValidate onSubmit={save} aria-label="Assistant settings">
      <div className="assistant-editor-head">
        <h2>{stored ? assistant.name : `New assistant from “${assistant.graph_id}”`}</h2>
        <p className="muted">
          {stored ? (
            <>
              Graph <code>{assistant.graph_id}</code> · version {assistant.version} · saving makes version {assistant.version + 1}
            </>
          ) : (
            <>The graph's own defaults cannot be changed: save these settings as a new assistant.</>
          )}
        </p>
        {threadId && <p className="muted">This thread's assistant: a new version applies to its next turn.</p>}
      </div>
      <div className="assistant-editor-row">
        {stored && (
          <button type="button" onClick={() => setTarget(assistant.graph_id)}>
            New assistant
          </button>
        )}
        {!stored && graphs.length > 1 && (
          <label className="inline-field">
            From graph
            <select value={assistant.graph_id} onChange={(e) => setTarget(e.target.value)}>
              {graphs.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="schema-field">
        <label htmlFor="assistant-name">Name</label>
        <input id="assistant-name" value={name} placeholder={stored ? "" : "e.g. Terse helper"} aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? "assistant-name-error" : undefined} onChange={(e) => setName(e.target.value)} />
        {errors.name && (
          <small id="assistant-name-error" className="error-text">
            Name {errors.name}
          </small>
        )}
      </div>
      {showModel && (
        <ModelChoiceFields
          choice={choice}
          providers={providers}
          providersError={providersError}
          errors={{ provider_id: errors["model.provider_id"], model: errors["model.model"] }}
          onChange={setChoice}
        />
      )}
      {sections.length === 0 && !showModel && <p className="muted no-settings">This graph takes no settings.</p>}
      {sections.map((section) => (
        <fieldset key={section.target} className="settings-section">
          <legend>{section.title}</legend>
          {section.fields.map((field) => {
            const key = fieldKey(section.target, field.key);
            return <SchemaField key={key} idPrefix={`setting-${section.target}`} field={field} draft={drafts[key]} error={errors[key]} onChange={(d) => setDraft(key, d)} />;
          })}
        </fieldset>
      ))}
      {formError && (
        <p className="error-text" role="alert">
          {formError}
        </p>
      )}
      <div className="assistant-editor-actions">
        <button type="submit" className="primary" disabled={saving}>
          {stored ? "Save" : "Save as new assistant"}
        </button>
        {saved && (
          <span role="status" className="saved">
            {saved}
          </span>
        )}
      </div>
    </form>
  );
}
