-- Model providers: OpenAI-compatible servers a tenant's assistants may run on (issue 16). The key and
-- the extra headers' values are stored sealed (AES-256-GCM, see src/providers/secret-box.ts); only
-- what reads show is stored as text.

CREATE TABLE providers (
  provider_id   uuid PRIMARY KEY,
  tenant_id     text NOT NULL,
  name          text NOT NULL,
  kind          text NOT NULL DEFAULT 'openai-compatible',
  base_url      text NOT NULL,
  default_model text,
  timeout_ms    integer NOT NULL DEFAULT 60000,
  -- What reads show of the key; null without a key, or for a key too short to show part of.
  api_key_last4 text,
  -- {"api_key": sealed | absent, "headers": {"X-Org": sealed, ...}}, each sealed value
  -- {"kid", "iv", "ct"} carrying the id of the key that sealed it, so rotation can be done value by value.
  secrets       jsonb NOT NULL DEFAULT '{}',
  metadata      jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  -- Also the listing's index: a tenant's providers by name.
  CONSTRAINT providers_tenant_name UNIQUE (tenant_id, name)
);
