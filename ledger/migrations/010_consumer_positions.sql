-- Where the ledger's owner resumes each partition of the bus's command topics (issue 13, docs/architecture.md "Two
-- buses"): written in the ledger's own group-commit transactions, never ahead of what is durable, so a node that takes
-- the ledger over starts each partition at the first command whose effects may not be in the ledger yet.
CREATE TABLE consumer_position (
  consumer_group text NOT NULL,
  topic          text NOT NULL,
  partition      integer NOT NULL CHECK (partition >= 0),
  next_offset    bigint NOT NULL CHECK (next_offset >= 0),
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);
