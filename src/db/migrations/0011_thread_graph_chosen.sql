-- A thread the Agent Server API created without naming a graph belongs to the graph of its first
-- run, as upstream: until then it is stored with the default graph and graph_chosen false.
ALTER TABLE threads ADD COLUMN graph_chosen boolean NOT NULL DEFAULT true;
