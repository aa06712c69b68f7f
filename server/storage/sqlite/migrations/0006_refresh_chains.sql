-- 0006_refresh_chains: a refresh rotation writes only time-ordered keys.
-- Before, every rotation inserted into two indexes keyed by family id (refresh_tokens_family_idx,
-- family_access_tokens_family_idx): one B-tree page at a random position per index per refresh.
-- Now a family's tokens form a chain that revocation walks instead of an index:
--   refresh_families.first_token  key of the family's first refresh token ('' when none, or for a
--                                  family from before this migration until its next rotation)
--   refresh_families.first_jti     jti of the access token the code redemption minted
--   refresh_tokens.successor       key of the token this one was rotated into ('' while unspent)
--   refresh_tokens.access_jti      jti of the access token minted with this token by rotation
-- family_access_tokens keeps jti -> family (introspection) without a family index; rows from
-- before this migration are marked legacy and keep a partial family index, so revoking such a
-- family still finds its earlier access tokens. refresh_tokens_family_idx was never queried.
ALTER TABLE refresh_families ADD COLUMN first_token TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_families ADD COLUMN first_jti TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN successor TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN access_jti TEXT NOT NULL DEFAULT '';
ALTER TABLE family_access_tokens ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
UPDATE family_access_tokens SET legacy = 1;
DROP INDEX family_access_tokens_family_idx;
CREATE INDEX family_access_tokens_legacy_idx ON family_access_tokens (family_id) WHERE legacy = 1;
DROP INDEX refresh_tokens_family_idx;
