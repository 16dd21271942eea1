-- +goose Up
-- Staff put offline opinions into themes (issue 19: staff control, "the
-- machine's suggestion and the staff's decision both kept"): the theme the
-- machine placed each in stays in machine_theme_id (NULL: none), theme_id
-- is where it is now, and placed_by names the staff member who last put
-- it there (NULL: where the machine, or a merge, left it). A re-analysis
-- carries a staff placement into the theme carried from the one it was in.
ALTER TABLE theme_offline_placements
    ADD COLUMN machine_theme_id bigint REFERENCES themes (id),
    ADD COLUMN placed_by bigint REFERENCES accounts (id);
UPDATE theme_offline_placements SET machine_theme_id = theme_id;
CREATE INDEX theme_offline_placements_staff_idx ON theme_offline_placements (theme_id) WHERE placed_by IS NOT NULL;

-- +goose Down
DROP INDEX theme_offline_placements_staff_idx;
ALTER TABLE theme_offline_placements DROP COLUMN placed_by, DROP COLUMN machine_theme_id;
