BEGIN TRANSACTION;
CREATE TABLE accounts (
	"key" VARCHAR(128) NOT NULL, 
	hash VARCHAR(256) NOT NULL, 
	api_access BOOLEAN NOT NULL, 
	allowed_ips TEXT NOT NULL, 
	billing VARCHAR(8) NOT NULL, 
	balance_amount FLOAT NOT NULL, 
	balance_sms INTEGER NOT NULL, 
	senders TEXT NOT NULL, 
	iys_brand_code VARCHAR(32), 
	iys_active BOOLEAN NOT NULL, 
	iys_quota INTEGER, 
	documents_missing BOOLEAN NOT NULL, 
	webhook_url TEXT, 
	test_number VARCHAR(16), 
	created_ts FLOAT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0006');
CREATE TABLE blacklist (
	account_key VARCHAR(128) NOT NULL, 
	number VARCHAR(16) NOT NULL, 
	added_ts FLOAT NOT NULL, 
	PRIMARY KEY (account_key, number)
);
CREATE TABLE carrier_rules (
	number VARCHAR(16) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	PRIMARY KEY (number)
);
CREATE TABLE clock (
	id INTEGER NOT NULL, 
	mode VARCHAR(8) NOT NULL, 
	"offset" FLOAT NOT NULL, 
	frozen_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE consents (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	brand_code VARCHAR(32) NOT NULL, 
	recipient VARCHAR(320) NOT NULL, 
	recipient_type VARCHAR(16) NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	status VARCHAR(8) NOT NULL, 
	source VARCHAR(32), 
	consent_date VARCHAR(19), 
	consent_ts FLOAT NOT NULL, 
	created_ts FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE contact_fields (
	contact_id INTEGER NOT NULL, 
	field_id INTEGER NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (contact_id, field_id)
);
CREATE TABLE contact_groups (
	contact_id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	PRIMARY KEY (contact_id, group_id)
);
CREATE TABLE contacts (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	name TEXT, 
	surname TEXT, 
	email TEXT, 
	gsm VARCHAR(16), 
	created_ts FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE custom_fields (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	name TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE groups (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	name TEXT NOT NULL, 
	parent_id INTEGER, 
	created_ts FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE iys_state (
	account_key VARCHAR(128) NOT NULL, 
	used INTEGER NOT NULL, 
	strict BOOLEAN NOT NULL, 
	quirks BOOLEAN NOT NULL, 
	PRIMARY KEY (account_key)
);
CREATE TABLE journal (
	first_id INTEGER NOT NULL, 
	count INTEGER NOT NULL, 
	entries TEXT NOT NULL, 
	PRIMARY KEY (first_id)
);
CREATE TABLE messages (
	id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	"row" INTEGER NOT NULL, 
	block INTEGER NOT NULL, 
	number VARCHAR(32) NOT NULL, 
	status INTEGER NOT NULL, 
	parts INTEGER NOT NULL, 
	due_ts FLOAT, 
	final_ts FLOAT, 
	PRIMARY KEY (id)
);
CREATE TABLE meta (
	name VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "meta" VALUES('accounts_version','0');
INSERT INTO "meta" VALUES('journal_last_id','0');
CREATE TABLE order_texts (
	order_id INTEGER NOT NULL, 
	block INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	encoding VARCHAR(8) NOT NULL, 
	parts INTEGER NOT NULL, 
	PRIMARY KEY (order_id, block)
);
CREATE TABLE orders (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	sender VARCHAR(64) NOT NULL, 
	iys INTEGER NOT NULL, 
	iys_list VARCHAR(16), 
	submit_ts FLOAT NOT NULL, 
	send_ts FLOAT NOT NULL, 
	cancelled BOOLEAN NOT NULL, 
	total INTEGER NOT NULL, 
	waiting INTEGER NOT NULL, 
	delivered INTEGER NOT NULL, 
	undelivered INTEGER NOT NULL, 
	delivered_parts INTEGER NOT NULL, 
	charged_parts INTEGER NOT NULL, 
	refunded_parts INTEGER NOT NULL, 
	billing VARCHAR(8) NOT NULL, 
	part_price FLOAT NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, started BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE webhook_attempts (
	id INTEGER NOT NULL, 
	webhook_id INTEGER NOT NULL, 
	attempt INTEGER NOT NULL, 
	at_ts FLOAT NOT NULL, 
	http_status INTEGER, 
	error TEXT, 
	duration_ms FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE webhooks (
	id INTEGER NOT NULL, 
	account_key VARCHAR(128) NOT NULL, 
	order_id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	event VARCHAR(16) NOT NULL, 
	url TEXT NOT NULL, 
	payload TEXT NOT NULL, 
	state VARCHAR(12) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_ts FLOAT NOT NULL, 
	created_ts FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_messages_due ON messages (due_ts) WHERE due_ts IS NOT NULL;
CREATE UNIQUE INDEX ix_messages_order_row ON messages (order_id, "row");
CREATE INDEX ix_orders_duplicate ON orders (account_key, fingerprint, submit_ts);
CREATE INDEX ix_orders_submitted ON orders (account_key, submit_ts);
CREATE INDEX ix_webhook_attempts_webhook ON webhook_attempts (webhook_id);
CREATE INDEX ix_webhooks_due ON webhooks (state, next_ts);
CREATE INDEX ix_webhooks_message ON webhooks (message_id);
CREATE INDEX ix_blacklist_added ON blacklist (account_key, added_ts);
CREATE INDEX ix_groups_account ON groups (account_key, parent_id);
CREATE INDEX ix_contacts_account ON contacts (account_key, id);
CREATE INDEX ix_contact_groups_group ON contact_groups (group_id, contact_id);
CREATE INDEX ix_custom_fields_account ON custom_fields (account_key);
CREATE INDEX ix_consents_key ON consents (account_key, brand_code, recipient, recipient_type, type, id);
CREATE TRIGGER ileti_accounts_insert_version AFTER INSERT ON accounts BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
CREATE TRIGGER ileti_accounts_delete_version AFTER DELETE ON accounts BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
CREATE TRIGGER ileti_accounts_update_version AFTER UPDATE OF key, hash, api_access, allowed_ips, billing, senders, iys_brand_code, iys_active, iys_quota, documents_missing, webhook_url, test_number, created_ts ON accounts BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
CREATE TRIGGER ileti_blacklist_insert_version AFTER INSERT ON blacklist BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
CREATE TRIGGER ileti_blacklist_delete_version AFTER DELETE ON blacklist BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
CREATE TRIGGER ileti_blacklist_update_version AFTER UPDATE ON blacklist BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'; END;
COMMIT;
