import type { Provider } from "../api/types";
import type { ModelChoice } from "./model-choice";

/**
 * The assistant's model server (the environment's, or one of the tenant's providers from the
 * Providers tab) and its model there.
 */
export function ModelChoiceFields(props: { choice: ModelChoice; providers: Provider[] | null; providersError: string | null; errors: { provider_id?: string; model?: string }; onChange(choice: ModelChoice): void }) {
  const { choice, providers, errors } = props;
  const chosen = providers?.find((p) => p.provider_id === choice.providerId);
  // A stored id the list does not have (still loading, or gone): kept, and said so, rather than dropped.
  const unknown = choice.providerId !== "" && !chosen;
  const modelDefault = chosen ? (chosen.default_model ? `default: ${chosen.default_model}` : "the provider's default") : "default: the environment's model";
  const described = (id: string, error?: string, help?: boolean) => [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset className="settings-section model-choice">
      <legend>Model</legend>
      <div className="schema-field">
        <label htmlFor="assistant-provider">Model provider</label>
        <select
          id="assistant-provider"
          value={choice.providerId}
          aria-invalid={errors.provider_id ? true : undefined}
          aria-describedby={described("assistant-provider", errors.provider_id, true)}
          onChange={(e) => props.onChange({ ...choice, providerId: e.target.value })}
        >
          <option value="">Environment default</option>
          {providers?.map((p) => (
            <option key={p.provider_id} value={p.provider_id}>
              {p.name}
            </option>
          ))}
          {unknown && <option value={choice.providerId}>{providers ? `Unknown provider (${choice.providerId})` : "Loading…"}</option>}
        </select>
        <small id="assistant-provider-help" className="muted">
          {props.providersError ? `Providers could not be loaded: ${props.providersError}` : chosen ? chosen.base_url : "The model server this service was started with. Add others in the Providers tab."}
        </small>
        {errors.provider_id && (
          <small id="assistant-provider-error" className="error-text">
            Model provider {errors.provider_id}
          </small>
        )}
      </div>
      <div className="schema-field">
        <label htmlFor="assistant-model">Model</label>
        <input
          id="assistant-model"
          spellCheck={false}
          placeholder={modelDefault}
          value={choice.model}
          aria-invalid={errors.model ? true : undefined}
          aria-describedby={described("assistant-model", errors.model)}
          onChange={(e) => props.onChange({ ...choice, model: e.target.value })}
        />
        {errors.model && (
          <small id="assistant-model-error" className="error-text">
            Model {errors.model}
          </small>
        )}
      </div>
    </fieldset>
  );
}
