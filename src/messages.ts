/**
 * Every user-facing sentence lives here, so that tests can check messages against these functions
 * rather than copied strings, and so wording stays consistent. Each message names the thing, shows the
 * bad value and says the fix.
 */

import { closestColumn, SAFE_IDENT_HINT } from "./identifiers.js";

const show = (v: unknown): string => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
export const quoteValue = (v: unknown): string => `'${show(v)}'`;
/** A p-value as people read it: 0.0123, or 1.7e-6 below 0.0001 (never a bare 0.0000). */
export const pValueText = (p: number): string => (p < 0.0001 ? p.toExponential(1) : p.toFixed(4));

export const msg = {
  // --- CLI / usage -------------------------------------------------------------------------------
  unknownCommand: (cmd: string) => `unknown command '${cmd}'. Run \`churn --help\` to see the commands.`,
  internalError: (detail: string) =>
    `internal error: ${detail}\nThis is a bug in churn, not in your data. Re-run with CHURN_DEBUG=1 for a stack trace and report it.`,

  // --- config ------------------------------------------------------------------------------------
  configNotFound: (path: string) => `config file ${path} does not exist. Check the path given to --config.`,
  configParse: (path: string, detail: string) =>
    `config file ${path} is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${detail}`,
  configInvalid: (path: string, lines: string[]) =>
    `config file ${path} has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n${lines.map((l) => `  - ${l}`).join("\n")}\nSee churn.config.schema.json for every option and its default.`,
  configExtension: (path: string) => `config file ${path} must end in .yaml, .yml or .json.`,

  // --- files -------------------------------------------------------------------------------------
  notWritable: (path: string, detail: string) =>
    `cannot write ${path}: ${detail}. Choose another output location (--out) or free disk space.`,
  unsafeIdentifier: (where: string, value: string) =>
    `${where}: ${quoteValue(value)} is not a safe column or table name. Use ${SAFE_IDENT_HINT}.`,

  // --- data contract: finding, loading, validating input tables (src/contract, src/io/tables.ts) ----
  dataDirMissing: (dir: string) =>
    `data directory ${dir} does not exist or is not a directory. Pass an existing directory with --data (or set data.dir in churn.config.yaml).`,
  noDataSource: () => `no input data given. Pass a directory with --data DIR, or set data.dir or data.tables in churn.config.yaml.`,
  requiredTableMissing: (table: string, dir: string, tried: string[]) =>
    `required table ${table} not found in ${dir} (looked for ${tried.join(", ")}). Put the file there, or name it with \`data.tables.${table}: <path>\` in churn.config.yaml.`,
  tableFileNotFound: (table: string, path: string) =>
    `data.tables.${table}: file ${path} does not exist. Fix the path in churn.config.yaml (relative paths are relative to the working directory).`,
  ambiguousTableFile: (table: string, paths: string[]) =>
    `${paths.join(" and ")} are both candidates for table ${table}. Remove one, or choose with \`data.tables.${table}: <path>\` in churn.config.yaml.`,
  tableGlobNoMatch: (table: string, pattern: string) =>
    `table ${table}: no CSV or Parquet file matches ${pattern}. Check the pattern (relative paths are relative to the working directory; * matches within one folder, ** across folders).`,
  tableFolderEmpty: (table: string, folder: string) =>
    `table ${table}: folder ${folder} holds no CSV or Parquet file (names starting with . or _ are skipped). Put the partition files there, or point data.tables.${table} at the right folder.`,
  tableMixedFormats: (table: string, where: string, csv: string, parquet: string) =>
    `table ${table}: ${where} mixes CSV (${csv}) and Parquet (${parquet}) files. Export every partition of a table in one format, or name the files of one format with a glob in data.tables.${table}.`,
  validateCacheLine: (dir: string, files: number, reused: number, rechecked: number) =>
    `validated-table cache ${dir}: ${reused} of ${files} file${files === 1 ? "" : "s"} validated before (not read again)${rechecked ? `, ${rechecked} of them checked again against the subscribers or the as-of date` : ""}`,
  cacheEntryUnreadable: (path: string, detail: string) =>
    `the validated-table cache entry ${path} could not be read (${detail}); validating the file again (the entry is replaced).`,
  unknownTableKey: (where: string, key: string, tables: readonly string[]) =>
    `${where}.${key}: '${key}' is not a table of the data contract. Use one of: ${tables.join(", ")}.`,
  unknownMappingKey: (table: string, key: string, columns: readonly string[]) =>
    `data.columns.${table}.${key}: '${key}' is not a column of table ${table}. The key is the canonical name (one of: ${columns.join(", ")}), the value is your column.`,
  missingColumn: (file: string, table: string, column: string, found: string[]) =>
    `${file} has no column \`${column}\`; found: ${found.join(", ")}. Map yours with \`data.columns.${table}.${column}: <your column>\` in churn.config.yaml.`,
  mappedColumnMissing: (file: string, table: string, column: string, mapped: string, found: string[]) =>
    `data.columns.${table}.${column} maps to \`${mapped}\`, but ${file} has no such column; found: ${found.join(", ")}. Fix the mapping in churn.config.yaml.`,
  oneColumnFound: (file: string, header: string, delimiter: string | undefined) =>
    `${file}: only one column found (${quoteValue(header)}), so the field delimiter is probably wrong (${delimiter === undefined ? "it was detected automatically" : `it is set to ${JSON.stringify(delimiter)}`}). Set it with \`data.csv.delimiter: ";"\` (or ",", "\\t", "|") in churn.config.yaml.`,
  emptyFile: (file: string, table: string) =>
    `${file} (table ${table}) is empty: no header line and no rows. Export it again with a header line, or remove it if the table is optional.`,
  noDataRows: (file: string, table: string) =>
    `${file} (table ${table}) has a header but no data rows. Export it again with its rows.`,
  noDataRowsWarning: (file: string, table: string) => `${file} (table ${table}) has a header but no data rows; loaded as an empty table.`,
  duckOutOfMemory: (limit: string | null, detail: string) =>
    `DuckDB needed more memory than its limit${limit ? ` (${limit})` : ""} for a step it cannot spill to disk: ${detail}\nRaise the limit in churn.config.yaml: scoring.memoryLimit for churn score, features.memoryLimit for churn features (e.g. 4GB; leave the machine's other jobs room), or run on a machine with more memory.`,
  spillFailed: (dir: string, detail: string) =>
    `DuckDB could not use its spill files under ${dir} (the temp folder it writes to beyond its memory limit): ${detail}\nFree space there, point TMPDIR at a larger disk, or raise features.memoryLimit / scoring.memoryLimit in churn.config.yaml.`,
  unreadableFile: (file: string, table: string, detail: string) =>
    `cannot read ${file} (table ${table}): ${detail}\nCheck that it is a well-formed CSV or Parquet file; for CSV, set data.csv.delimiter or data.csv.encoding in churn.config.yaml if they differ.`,
  csvInconsistent: (file: string, table: string) =>
    `cannot read ${file} (table ${table}): its lines do not all have the same number of fields (a line with an extra delimiter, or an unterminated quote). Fix that line; if the delimiter is not the one detected, set \`data.csv.delimiter\` in churn.config.yaml.`,
  badEncoding: (file: string, table: string) =>
    `${file} (table ${table}) is not valid UTF-8. If it is latin-1 (ISO-8859-1 / Windows-1252), set \`data.csv.encoding: latin-1\` in churn.config.yaml.`,
  badAsOf: (value: string) => `validation.asOf: ${quoteValue(value)} is not a date. Use the form YYYY-MM-DD.`,
  badRejectShare: (value: unknown) => `--max-reject-share: ${quoteValue(value)} must be a number between 0 and 1 (e.g. 0.01 for 1%).`,
  tooManyRejects: (table: string, file: string, rejected: number, rows: number, max: number, example = "") =>
    `${table} (${file}): ${rejected} of ${rows} rows rejected (${((100 * rejected) / Math.max(rows, 1)).toFixed(2)}%), more than the allowed ${(100 * max).toFixed(2)}%.${example} See the rejects file (--rejects) for each row and reason; fix the data, or raise validation.maxRejectShare (or --max-reject-share).`,
  rejectReason: (code: string): string =>
    ({
      empty_id: "subscriber_id is empty",
      missing_value: "a required value is empty",
      bad_date: "not a date in the configured format (data.csv.dateFormat)",
      bad_number: "not a number (check data.csv.decimal)",
      bad_integer: "not a whole number",
      bad_boolean: "not a boolean (true/false, 1/0, yes/no)",
      bad_enum: "value outside the allowed set",
      negative: "negative value where only >= 0 is allowed",
      out_of_range: "value outside the allowed range",
      date_order: "date earlier than the date it must follow (e.g. deactivation before activation)",
      future_date: "date after the as-of date (validation.asOf, default today)",
      unknown_subscriber: "subscriber_id not among the loaded subscribers (absent or rejected there)",
      before_activation: "event before the subscriber's activation",
      after_deactivation: "event after the subscriber's deactivation",
      duplicate_row: "exact duplicate of an earlier row (the first is kept)",
      duplicate_id: "subscriber_id already used by an earlier row (the first is kept)",
    })[code] ?? code,

  // --- model: mlp (src/model/mlp*.ts) ------------------------------------------------------------
  mlpStateInvalid: (detail: string) =>
    `the mlp model state is damaged or was written by another version: ${detail}. Retrain the model (churn train) or restore the artifact from a backup.`,
  mlpColumnsMismatch: (expected: number, got: number, firstDiff: string) =>
    `the mlp model was trained on ${expected} feature columns but got ${got}${firstDiff ? ` (first difference: ${firstDiff})` : ""}. Score with the preprocessing saved in the same model artifact, or retrain.`,
  mlpNoRows: () => `the mlp cannot be trained on 0 rows. Check the training data and the filters applied to it.`,
  mlpBaseOnly: (rows: number) =>
    `mlp: no member's net beat its linear base on the early-stopping rows (best epoch 0 in each); the model is the linear base, logistic regression refitted on all ${rows.toLocaleString("en-US")} training rows`,
  mlpMemberDropped: (member: number, of: number, reason: string, keptAnyway: boolean) =>
    keptAnyway
      ? `mlp: no member converged; member ${member}/${of} (${reason}) is kept as the best of them. Compare with the logistic model (--model auto) before using this one, or give the mlp more CPU time (--mlp-budget).`
      : `mlp: member ${member}/${of} dropped, it did not converge (${reason}); the model averages the others.`,
  mlpCardMemberDropped: (member: string, reason: string, othersKept: boolean) => `Member ${member} of the mlp was dropped: it did not converge (${reason})${othersKept ? "; the model averages the others" : ""}.`,
  mlpCardLinearOnly: () =>
    `No net beat its linear base on its early-stopping rows, so this model is logistic regression refitted on all training rows: on this data the neural network adds nothing. The logistic model (--model logistic) ranks the same and explains each score exactly.`,
  mlpCardNoneConverged: (reason: string) => `No member of the mlp converged; the one kept is the best of them (${reason}). Compare it with the logistic model before using it.`,
  mlpBudgetStopped: (seconds: number) => `training stopped on the mlp's CPU budget (${seconds} s per member), so the result depends on machine speed; raise --mlp-budget for a model that trains to convergence.`,

  // --- model: tables, training, cv, artifacts, registry (model foundation) -------------------------
  tableNotFound: (path: string) => `table ${path} does not exist. Check the path given to --table / --features.`,
  tableFormat: (path: string) => `table ${path} must be a .csv, .tsv, .txt or .parquet file. Convert it or rename it with the right extension.`,
  tableUnreadable: (path: string, detail: string) => `cannot read table ${path}: ${detail}. Check that it is a valid CSV (with a header row) or Parquet file.`,
  tableEmpty: (path: string) => `table ${path} has no data rows. Point --table at a file with a header and at least one row.`,
  columnNotInTable: (path: string, option: string, column: string, available: string[]) => {
    const near = closestColumn(column, available);
    const hint = near !== undefined ? ` Did you mean '${near}'? (names are case-sensitive)` : " Use one of them (names are case-sensitive).";
    return `${option}: column '${column}' is not in ${path}. Columns are: ${available.slice(0, 30).join(", ")}${available.length > 30 ? ", ..." : ""}.${hint}`;
  },
  positiveNeverSeen: (path: string, column: string, value: string, seen: string[]) =>
    `--positive ${quoteValue(value)} never occurs in column '${column}' of ${path}; its values are ${seen.slice(0, 10).map((v) => quoteValue(v)).join(", ")}. Give the value that marks a churner.`,
  singleClass: (path: string, column: string, what: string) =>
    `column '${column}' of ${path} has only ${what} rows among the labelled ones; a model needs both churners and non-churners. Check --label and --positive.`,
  labelMissingValues: (path: string, column: string, count: number, firstRow: number) =>
    `column '${column}' of ${path} is empty or missing on ${count} row(s) (first: row ${firstRow}, 0-based). Fill or drop those rows: every training row needs a label.`,
  foldsInvalid: (path: string, column: string, detail: string) =>
    `fold column '${column}' of ${path}: ${detail}. Folds must be small non-negative integers (0, 1, ...) on every row, at least two distinct.`,
  foldsOption: () => `give either --folds-column COL or --folds N (N between 2 and 20), not both.`,
  tooFewRows: (where: string, rows: number, positives: number) =>
    `${where} has ${rows} row(s) with ${positives} churner(s): too few to train and validate a model (need at least 20 rows and 5 of each class). Add data or use fewer folds.`,
  noFeatureColumns: (path: string) =>
    `${path} has no feature columns left after removing the id, label and fold columns. Check --id, --label and --folds-column.`,
  modelFeaturesNotComputed: (model: string, unknown: readonly string[]) =>
    `model ${model} reads ${unknown.length === 1 ? "a column" : `${unknown.length} columns`} that churn does not compute from raw tables: ${unknown.join(", ")}. Nothing was scored. A model trained by an earlier version of churn: train it again on features made by this version (churn features, then churn train). A model trained on a flat table: score it with --table.`,
  modelColumnMissing: (where: string, column: string) =>
    `${where} has no column '${column}', which the model was trained with. Provide that column (or retrain the model without it).`,
  mlpUnavailable: (detail: string) =>
    `the mlp model is not available in this build (${detail}). Use --model logistic, or install a churn build that includes src/model/mlp.`,
  backendUnavailable: (name: string, detail: string) =>
    `TensorFlow.js backend '${name}' cannot be used here: ${detail}. Use --backend wasm or --backend cpu.`,
  trainSource: () => `give exactly one of --features FILE (the feature table of \`churn features\`) or --table FILE with --label and --positive.`,
  tableNeedsLabel: () => `--table needs --label COL and --positive VALUE (the value of COL that marks a churner).`,
  featuresColumn: (path: string, column: string) =>
    `feature table ${path} has no '${column}' column. Use the output of \`churn features\` (subscriber_id, as_of, features..., label).`,
  featuresNoValidation: (path: string) =>
    `feature table ${path} has no snapshot whose labels are all known, so there is nothing to validate on. Build features for an older as-of date too (its outcome window must have closed).`,
  featuresNoTraining: (path: string, validAsOf: string, horizon: string) =>
    `feature table ${path}: no labelled snapshot has an outcome window (horizon ${horizon}) that closed by the validation as-of date ${validAsOf}, so training would peek at the validation period. Build features for earlier as-of dates (churn features --as-of-range), or check --horizon.`,
  artifactMissing: (dir: string, file: string) =>
    `model artifact ${dir} is missing ${file}. The artifact is incomplete: retrain (churn train) or restore the folder from a backup.`,
  artifactChecksum: (dir: string, file: string) =>
    `model artifact ${dir}: ${file} does not match the sha256 in manifest.json (the file was changed or damaged). Restore the folder from a backup or retrain.`,
  artifactInvalid: (where: string, detail: string) => `model artifact file ${where} is invalid: ${detail}. Restore it from a backup or retrain.`,
  artifactVersion: (dir: string, found: unknown, expected: number) =>
    `model artifact ${dir} has format version ${quoteValue(found)}; this churn reads version ${expected}. Retrain with this version (churn train) or use the churn version that wrote it.`,
  artifactUnsafePath: (dir: string, path: string) =>
    `model artifact ${dir}: model.json names weights file ${quoteValue(path)}, which is outside the artifact folder or a URL. Weights must be plain file names inside the folder; the artifact is refused.`,
  modelNotFound: (dir: string, id: string) => `no model '${id}' in ${dir}. Run \`churn models list --dir ${dir}\` to see the models.`,
  noChampion: (dir: string) => `${dir} has no champion model yet. Train one (churn train) or promote one (churn models promote ID).`,
  modelsNeedsId: (action: string) =>
    `churn models ${action} needs a model id, e.g. \`churn models ${action} logistic-20260101T000000Z\`. Run \`churn models list\` to see them.`,
  modelIdInvalid: (id: string) => `model id ${quoteValue(id)} is not valid: use letters, digits, '-', '_' and '.' only (at most 100 characters).`,

  // --- honest numbers: promotion, calibration, model comparison (src/model/train.ts, registry, cli models) ---
  promoteForced: () => "--promote",
  promoteFirst: () => "no champion yet",
  promoteChampionFailed: (id: string, why: string) => `champion ${id} could not score the validation rows (${why}); use --promote to replace it`,
  promoteTest: (won: boolean, auc: number, champAuc: number, diff: number, low: number, high: number, p: number, alpha: number, rows: number) =>
    `validation AUC ${auc.toFixed(4)} vs champion ${champAuc.toFixed(4)} on the same ${rows.toLocaleString("en-US")} rows: difference ${diff >= 0 ? "+" : ""}${diff.toFixed(4)} (95% interval ${low.toFixed(4)} to ${high.toFixed(4)}), DeLong one-sided p = ${pValueText(p)} ${won ? "<" : "≥"} alpha ${alpha}${won ? "" : ": not a significant gain (use --promote to force it)"}`,
  compareNeedsData: (a: string, b: string, why: string) =>
    `cannot compare ${a} and ${b} on the same rows without data: ${why}. Pass the rows to score with --features FILE (a feature table; its latest complete snapshot is used) or --table FILE --label COL --positive VALUE.`,
  compareNeedsTwo: () => "churn models compare needs two model ids, e.g. `churn models compare logistic-20260101T000000Z mlp-20260102T000000Z`. Run `churn models list` to see them.",
  excludeNeededByModel: (model: string, columns: string[]) =>
    `--exclude ${columns.join(",")}: model ${model} was trained with ${columns.length === 1 ? "this column" : "these columns"} as ${columns.length === 1 ? "a feature" : "features"}, so it cannot score without ${columns.length === 1 ? "it" : "them"}. Drop ${columns.join(", ")} from --exclude, or retrain with \`churn train --exclude ${columns.join(",")}\`.`,
  identicalRows: (path: string, copies: number) =>
    `${path}: ${copies.toLocaleString("en-US")} rows repeat another row exactly (every column and the label): folds and validation splits keep identical rows together, so no row is tested on its own copy. Remove them if they are not real repeats.`,
  idLikeRepeats: (path: string, column: string, distinct: number, rows: number) =>
    `${path}: column '${column}' looks like an id and repeats (${distinct.toLocaleString("en-US")} values in ${rows.toLocaleString("en-US")} rows): pass --id ${column} so that one customer's rows stay together in one fold; without it the same customer is trained on and tested on, and the figures overstate.`,
  rowNumberColumn: (path: string, column: string) =>
    `${path}: column '${column}' counts the rows (1, 2, 3, ...) and is used as a feature; it numbers the file, not the customer: pass --exclude ${column}.`,
  idLikeUnique: (path: string, column: string) =>
    `${path}: column '${column}' looks like an id (a different value on every row) and is used as a feature; pass --id ${column} (or --exclude ${column}) if it only names the customer.`,
  foldsSplitGroups: (path: string, foldsColumn: string, idColumn: string, split: number, groups: number) =>
    `${path}: the fold column '${foldsColumn}' puts the rows of ${split.toLocaleString("en-US")} of ${groups.toLocaleString("en-US")} ${idColumn} values in more than one fold: those customers are trained on and tested on, and the figures overstate. Assign folds per ${idColumn}, or leave out --folds-column to let cv group them.`,
  foldColumnExcluded: (path: string, column: string) =>
    `${path}: column '${column}' is a fold assignment, not a customer attribute: left out of the features (cv uses it with --folds-column ${column}).`,
  compareNoLabels: (path: string) => `${path} has no labelled rows to compare the models on. Use a table whose outcomes are known.`,

  // --- features (src/features, churn features) ----------------------------------------------------
  featBadDate: (option: string, value: string) =>
    `${option}: ${quoteValue(value)} is not a date. Write dates as YYYY-MM-DD, e.g. 2026-06-30.`,
  featBadPeriod: (option: string, value: string) =>
    `${option}: ${quoteValue(value)} is not a period. Write a whole number of days, weeks or months, e.g. 30d, 4w or 1mo.`,
  featAsOfMissing: () =>
    "name the as-of date(s): --as-of 2026-06-30 (or a comma-separated list), or --as-of-range 2025-07-31..2026-06-30 --every 1mo.",
  featAsOfBoth: () => "give either --as-of or --as-of-range, not both.",
  featEveryWithoutRange: () => "--every sets the step of --as-of-range; with --as-of, list the dates instead (comma-separated).",
  featBadRange: (value: string) =>
    `--as-of-range: ${quoteValue(value)} is not a range START..END with START on or before END, e.g. 2025-07-31..2026-06-30.`,
  featTooManyAsOf: (n: number, max: number) =>
    `the as-of dates come to ${n}, more than the ${max} one run accepts. Use a larger --every step or a shorter --as-of-range.`,
  featAsOfAfterDataEnd: (asOf: string, dataEnd: string) =>
    `as-of ${asOf} is after the end of the data (${dataEnd}): its features see no recent activity and its labels are unknown. Check --as-of, or state the end with --data-end.`,
  featEmptySnapshot: (asOf: string) =>
    `as-of ${asOf}: no subscriber was active on that day (activated on or before it and not deactivated on or before it). Check --as-of against activation_date in subscribers.`,
  featPasses: (passes: number) =>
    `the subscribers' features do not fit the memory limit in one go: computing them in ${passes} passes over subscribers split by id (the large tables are first written into one part per pass in the spill folder)`,
  scoreThreads: (threads: number, rows: number) =>
    `scoring ${rows.toLocaleString("en-US")} rows on ${threads} worker threads (CHURN_SCORE_THREADS=1 keeps it on one thread; the results are the same)`,
  featNoDataEnd: () =>
    "cannot tell where the data ends (no dates in any table). State it with --data-end YYYY-MM-DD.",
  featFamilySkipped: (family: string, reason: string) => `feature family '${family}' skipped: ${reason}`,
  featTableAbsent: (table: string) => `the optional table '${table}' is absent from the data`,
  featColumnAbsent: (table: string, column: string) => `column '${column}' is absent from the '${table}' table`,
  // --- report (src/report) ----------------------------------------------------------------------
  reportBadDate: (option: string, value: string) =>
    `${option}: ${quoteValue(value)} is not a date. Write dates as YYYY-MM-DD, e.g. 2026-06-30.`,
  reportBadSegment: (value: string, allowed: readonly string[]) =>
    `KPI segment: ${quoteValue(value)} is not a segment column. Use one of ${allowed.join(", ")}.`,
  reportNoSubscribers: () =>
    "loyalty KPIs need the subscribers table, and it is absent. Load subscribers.csv (or .parquet) with the other tables.",
  reportBadFormat: (value: string) => `--format: ${quoteValue(value)} is not a report format. Use html, md or json.`,

  // --- report wiring: model card from artifacts, churn evaluate, churn report (src/report/from-model.ts, src/pipeline/evaluate.ts) ---
  cardMissing: (dir: string) =>
    `${dir} has no card.json: the model was trained before churn stored what the model card needs. Retrain it with \`churn train\` to get a model card.`,
  backtestNeedsFeatures: () => "--backtest needs a feature table (--features): a flat table has no as-of dates to roll over. Drop --backtest, or train on `churn features` output.",
  mlpBudgetInvalid: (value: unknown) => `--mlp-budget: ${quoteValue(value)} is not a positive number of CPU seconds. Give e.g. --mlp-budget 600 (each member of the mlp may train for that much CPU time).`,
  backtestInvalid: (value: unknown) => `--backtest: ${quoteValue(value)} is not a whole number of as-of dates between 1 and 60. Give e.g. --backtest 3.`,
  reportDirUnknown: (dir: string) =>
    `${dir} is neither a scoring run nor a model folder (no manifest.json). Pass the folder \`churn score --out DIR\` wrote, or a model folder models/<id>.`,
  runFileMissing: (dir: string, file: string) => `${dir}/${file} does not exist. Re-run \`churn score\` for this run; the run directory is incomplete.`,
  runManifestField: (path: string, field: string, value: unknown) =>
    `${path}: field ${field} is ${value === undefined ? "missing" : quoteValue(value)}. This run was not written by \`churn score\`, or was edited; re-run churn score.`,
  runNoAsOf: (runDir: string) =>
    `${runDir} has no as-of date (it scored a flat table), so there is no horizon after which to look at outcomes. Evaluate runs scored from --data or a feature table.`,
  runHorizonMissing: (path: string) =>
    `${path} does not record the outcome horizon the run was scored for, and its model's training.json was not found (--models). Give it with --horizon, e.g. --horizon 30d (the horizon the model was trained on).`,
  runScoresColumn: (path: string, column: string, found: string[]) =>
    `${path} has no column \`${column}\` (found: ${found.join(", ")}). Re-run \`churn score\` to rewrite the run.`,
  horizonNotPassed: (runDir: string, asOf: string, horizon: string, end: string, dataEnd: string) =>
    `cannot evaluate ${runDir} yet: it scored as of ${asOf} with a ${horizon} horizon, so outcomes are known only once the data reaches ${end}, and the data ends ${dataEnd}. Run churn evaluate again with data up to ${end} or later.`,
  evaluateModelSaw: (asOf: string, saw: { role: string; trainAsOfMax: string; calibAsOf?: string | undefined; validAsOf: string }) =>
    saw.role === "training"
      ? `note: ${asOf} lies in the model's training data (snapshots to ${saw.trainAsOfMax}), so these figures flatter it; judge the model on runs after ${saw.validAsOf}.`
      : saw.role === "calibration"
        ? `note: the model's probabilities were calibrated on the ${saw.calibAsOf ?? asOf} snapshot, so expected and realised churners agree here by construction; judge its calibration on runs from ${saw.validAsOf} on.`
        : `note: ${asOf} is the model's validation snapshot: neither its fit nor its calibrator saw these outcomes.`,
  evaluateNoMatch: (runDir: string, dataDir: string) =>
    `none of the subscribers scored in ${runDir} is in the subscribers table of ${dataDir}. Check that --data points to the same subscriber base the run scored.`,
  reportOverwrite: (path: string, manifest: string) =>
    `${path} is covered by the checksums in ${manifest}, and the rebuilt report differs from it, so it is left untouched. Write the rebuilt report elsewhere with --out FILE.`,

  // --- planner report notes (src/report/planner-report.ts): what happened, and what to run next ---
  outcomeFirstRun: () => "No earlier run to evaluate: this is the first scoring run in its folder.",
  outcomeFlatTable: () =>
    "Runs scored from a flat table have no as-of date and no horizon, so their outcome is not measured here: who left is not in the table. Score raw tables (--data) to have each run evaluated once its horizon has passed (`churn evaluate`).",
  outcomeNotEvaluated: (runId: string, dir: string, horizonEnd: string | null) =>
    `No earlier run has been evaluated yet: run \`churn evaluate --run ${dir} --data DIR\`${horizonEnd ? ` (the horizon of run ${runId} ended on ${horizonEnd})` : ` once the horizon of run ${runId} has passed`}.`,
  outcomePending: (runId: string, asOf: string, horizonEnd: string) =>
    `No earlier run has reached the end of its horizon yet: the oldest, ${runId} (as of ${asOf}), can be evaluated with \`churn evaluate\` once the data reach ${horizonEnd}.`,

  renewalsSkipped: (dir: string, month: string, detail: string) =>
    `renewals of contracts ending in ${month} not counted: the earlier run ${dir} does not hold the contract columns in scores.parquet (${detail}); runs of this version do.`,

  renewalsPeeked: (dir: string, month: string, dataEnd: string) =>
    `Contract renewal rate for ${month} not shown: the earlier run ${dir} was scored from data that runs to ${dataEnd}, past the start of ${month}, so it saw each contract as it was at that later date (a term that ended and rolled over to month-to-month looks as if it never was fixed, and every subscriber who stayed would count as renewed). Renewals are counted between runs that each read the export of their own day, as a nightly job does.`,

  callListsRunTooOld: (dir: string, detail: string) =>
    `${dir} cannot give call lists: its risk_list.parquet or scores.parquet lacks a column they need (${detail}). Re-run \`churn score\` for this run with this version.`,

  // --- operation: contacts log, continued worlds (issue 14) -----------------------------------------
  olderWavesLeftOut: (older: number, all: number, from: string) =>
    `effects: learning from the latest waves of contacts (from ${from}); the ${older} older of ${all} waves are left out (retention.effects.maxWaves; null learns from every wave, at a feature snapshot per wave)`,
  contactsEmpty: (file: string) => `${file} is empty: a contacts file starts with a header line (subscriber_id,date,action,group,...). Restore it from the run folders' contacts.csv, or remove it.`,
  contactsMissingColumn: (file: string, column: string, header: readonly string[]) =>
    `${file} has no column \`${column}\` (its header: ${header.join(", ") || "(none)"}). A contacts file has the campaigns table's columns subscriber_id, date, action, group; restore it from the run folders' contacts.csv.`,
  contactsBadValue: (file: string, row: number, column: string, value: string, expected: string) =>
    `${file}, row ${row}, column \`${column}\`: ${quoteValue(value)} is not ${expected}. Fix or remove that row (churn writes this file itself: a hand edit or a truncated copy is the usual cause).`,
  continueNotAWorld: (dir: string) =>
    `--continue ${dir}: no generated world there (${dir}/truth/world.json is missing). Give the --out folder of \`churn generate\`.`,
  continueOldWorld: (dir: string, problem: string) =>
    `--continue ${dir}: truth/world.json cannot be continued (${problem}). It was written by an older churn or edited by hand: generate the world again with \`churn generate\`.`,
  continueNoContacts: (path: string) =>
    `--contacts ${path}: no contacts file there. Give a run folder written by \`churn score\` (it holds contacts.csv) or a contacts file in the campaigns table's format.`,
  continueContactDate: (file: string, row: number, date: string, from: string, to: string) =>
    `${file}, row ${row}: contact date ${date} is outside the month being added (${from} to ${to}). A world continues with the contacts of the run scored on its last day (${from} is the day after it); score the latest data, or continue the world up to that date first.`,
  continueUnknownSubscriber: (file: string, row: number, id: string) =>
    `${file}, row ${row}: subscriber ${quoteValue(id)} is not in this world. Give contacts of a run scored on this world's data.`,
  continueUnknownAction: (file: string, row: number, action: string, known: readonly string[]) =>
    `${file}, row ${row}: action ${quoteValue(action)} has no true effect in the generated world (actions: ${known.join(", ")}).`,
  contactsNeedContinue: () => "--contacts goes with --continue WORLD (the world to continue). Add --continue, or drop --contacts.",
  generateNeedsOut: () => "churn generate needs --out DIR (the folder for the tables and truth/), or --continue WORLD to continue a generated world.",
  ledgerDamaged: (path: string, problem: string) =>
    `the period-budget ledger ${path} is damaged: ${problem}. churn will not guess what was spent: restore it from ${path.replace(/\.json$/, ".prev.json")} (the version before the last run), or remove it to start the period's budget afresh (the spend recorded in it is then forgotten).`,
  ledgerEdited: (path: string) =>
    `the period-budget ledger ${path} was changed outside churn (its checksum does not match its entries). churn will not guess what was spent: restore it from ${path.replace(/\.json$/, ".prev.json")} (the version before the last run), or remove it to start the period's budget afresh (the spend recorded in it is then forgotten).`,
  idListMissing: (path: string, key: string) =>
    `${key}: ${path} does not exist. Point it at the file of subscriber ids (a CSV with a subscriber_id column, or one id per line), or set it to null.`,
  idListColumns: (path: string, key: string, header: readonly string[]) =>
    `${key}: ${path} has several columns (${header.join(", ")}) but none is \`subscriber_id\`. Name the id column subscriber_id, or give one id per line.`,
  scoreMissingColumns: (file: string, missing: readonly string[], found: readonly string[], near: readonly (string | undefined)[]) =>
    `${file} lacks ${missing.length} column${missing.length === 1 ? "" : "s"} the model reads: ${missing.join(", ")} (the file has ${found.length} columns${found.length <= 30 ? `: ${found.join(", ")}` : ""}). Nothing was scored. Export the column${missing.length === 1 ? "" : "s"} again under the same name, or map ${missing.length === 1 ? "it" : "them"} in churn.config.yaml:\n  data:\n    columns:\n      table: { ${missing.map((m, i) => `${JSON.stringify(m)}: ${JSON.stringify(near[i] ?? "<your column>")}`).join(", ")} }`,
  continueBadMonths: (value: unknown) => `--months: ${quoteValue(value)} is not a whole number of months from 1 to 60. Use e.g. --months 1.`,

  // --- synth (churn generate) ---------------------------------------------------------------------
  synthBadInteger: (option: string, value: unknown, min: number, max: number, example: number) =>
    `--${option}: ${typeof value === "number" && Number.isNaN(value) ? "the value given is not a number" : `${quoteValue(value)} is not a whole number between ${min} and ${max}`}. Give e.g. --${option} ${example}.`,
  synthBadEnd: (value: unknown) =>
    `--end: ${quoteValue(value)} is not a calendar date in YYYY-MM-DD form. Give the last day of data, e.g. --end 2026-06-30.`,
  synthBadFormat: (value: unknown) => `--format: ${quoteValue(value)} is not an output format. Use csv or parquet.`,
  truthEndsBefore: (dir: string, last: string, month: string) =>
    `the truth in ${dir} ends with the month starting ${last}, but the run's outcome month starts ${month}: the world has not lived that month yet. Continue it first (churn generate --continue WORLD --contacts RUN --months 1, with the scoring run as RUN so its contacts take effect), then simulate again.`,
  truthStartsAfter: (dir: string, first: string, month: string) =>
    `the truth in ${dir} starts with the month starting ${first}, but the run's outcome month starts ${month}: the run was scored before this world's first month. Simulate a run scored on this world.`,
  synthTruthMissing: (dir: string, file: string) =>
    `${dir}/${file} does not exist: ${dir} is not a truth folder. Point to the truth/ folder that \`churn generate --out DIR\` wrote (DIR/truth).`,

  // --- scoring run (churn score / simulate, src/pipeline) -------------------------------------------
  lockHeld: (dir: string, lock: string, pid: number, started: string, waited: number) =>
    `output ${dir} is in use by another churn run (pid ${pid}, started ${started}; lock file ${lock}). ${waited > 0 ? `Waited ${waited} s. ` : ""}Wait for it to finish, pass --wait SECONDS to wait for it, or choose another --out.`,
  lockUnwritable: (lock: string, detail: string) => `cannot create the lock file ${lock}: ${detail}. Check that the parent folder of --out exists and is writable.`,
  scoreSource: () =>
    "churn score needs exactly one input: --data DIR --as-of DATE (raw tables), --clickhouse URL --as-of DATE --shard k/K (raw tables in ClickHouse), --features FILE (from `churn features`) or --table FILE (flat table).",
  scoreClickhouseNeedsShard: () =>
    "--clickhouse scores shard by shard: give --shard k/K (--shard 0/1 for all subscribers at once), then plan them with churn plan --merge SHARD_DIR... --out RUN_DIR.",
  scoreDataNeedsAsOf: () => "--data needs --as-of YYYY-MM-DD: the day the risk is scored for (features read only data up to that day).",
  scoreModelNotFound: (path: string) =>
    `--model ${path}: not a model folder (with manifest.json), a champion pointer (models/champion) or a models folder with a champion. Train one with \`churn train\` or list them with \`churn models list\`.`,
  scoreNoRows: (where: string) => `${where} has no subscriber to score. Check --as-of (is anyone active on that day?) and the input.`,
  scoreAsOfMissing: (path: string, asOf: string, available: string[]) =>
    `${path} has no rows with as_of ${asOf}; it has ${available.slice(0, 8).join(", ")}${available.length > 8 ? ", ..." : ""}. Pass one of those to --as-of, or leave --as-of out for the latest.`,
  scoreIdColumn: (path: string, column: string, found: string[], idLike: string[] = []) =>
    `${path} has no id column '${column}' (columns: ${found.slice(0, 12).join(", ")}${found.length > 12 ? ", ..." : ""}). Name the id column with --id${idLike.length ? ` (${idLike.slice(0, 3).map((c) => `--id ${c}`).join(" or ")}?)` : ""}.`,
  scoreIdByRow: (path: string) =>
    `${path} has no id column: each customer is named by its data row number (1 = the first row after the header). Name an id column with --id to key the list by customer.`,
  scoreNoArpu: (where: string) =>
    `${where} has no ARPU column (arpu_3m, arpu, monthly_fee, MonthlyCharges): customer value is 0 for everyone, so no action pays off. Add one of those columns, or name yours in the config: data: { columns: { table: { arpu: <your monthly revenue column> } } }.`,
  scoreDuplicateIds: (where: string, n: number, example: string) =>
    `${where}: ${n} subscriber ids appear more than once (e.g. '${example}'); the last row of each in the file is scored (the latest, where newer rows are appended), the earlier ones are rejected as duplicate_id.`,
  driftGate: (items: string, threshold: number, reference: string) =>
    `population shift above the threshold ${threshold} (PSI against ${reference}): ${items}. scoring.stopOnShift is set, so the run stops: retrain the model on recent data, or pass --allow-drift to write the run anyway (unset scoring.stopOnShift to make a shift a warning).`,
  contactHistoryMoved: (items: string) => `contact history moved since training, as subscribers were contacted (expected, not drift): ${items}`,
  driftWarn: (items: string, reference: string) => `population shift worth a look (PSI against ${reference}): ${items}. The scores may be less accurate for these subscribers; retrain when it persists.`,
  integrityGate: (items: string, reference: string) =>
    `the input looks broken (compared with ${reference}): ${items}. Nothing was written. Check the export (a column renamed, emptied, in other units or swapped with another), fix it and run again; pass --allow-drift only if the data really changed this way and the model should score it anyway.`,
  integrityAllowed: (items: string) => `the input looks broken but --allow-drift was given, so the run goes on: ${items}`,
  integrityNotChecked: (model: string) =>
    `model ${model} was trained before the input-integrity check (no per-snapshot reference): broken input is not detected, only population shift is measured. Retrain it to get the check.`,
  asOfAfterData: (table: string, file: string, last: string, asOf: string, lag: number) =>
    `${table} ends ${last}; as-of ${asOf} is after it (${file}). The export is stale or the as-of date is wrong: score an as-of date on or before ${last}, or refresh the export${lag ? ` (scoring.maxDataLagDays allows ${lag} days)` : " (set scoring.maxDataLagDays if the export always lags)"}.`,
  driftNoReference: (model: string) =>
    `model ${model} has no training reference distribution (trained before drift checks existed): drift is not checked. Retrain it to get drift checks.`,
  badBudget: (value: unknown) => `--budget: ${quoteValue(value)} is not a non-negative amount. Give e.g. --budget 50000, or leave it out for no limit.`,
  runNotFound: (dir: string) => `${dir} is not a scoring run: it has no manifest.json. Point to the --out folder of a finished \`churn score\`.`,
  runDamaged: (dir: string, file: string, detail: string) =>
    `${dir}/${file} ${detail}: the run was changed or damaged after it was written. Re-run \`churn score\` into this folder.`,
  simulateNoTruth: (dir: string) =>
    `${dir} is not a ground-truth folder (no monthly.parquet). Pass --truth WORLD/truth from \`churn generate --out WORLD\`.`,
  simulateRaisesChurn: (action: string, treated: number, nT: number, control: number, nC: number) =>
    `${action}: its campaigns show it raising churn (${(treated * 100).toFixed(2)}% of ${nT} treated vs ${(control * 100).toFixed(2)}% of ${nC} controls)`,
  simulateNoGain: (action: string, effect: number) => `${action}: no positive effect for these subscribers (mean ${(effect * 100).toFixed(1)}%)`,
  simulateNoOverlap: (run: string, truth: string) =>
    `none of the subscribers in ${run} is active in the truth at ${truth}. Score the same generated world the truth belongs to.`,

  // --- reliability (issue 7): unreadable CSV lines, hostile configs, output faults ---------------------
  csvBinary: (file: string, table: string, line: number, byte: number) =>
    `${file} (table ${table}) is not a text CSV file: byte ${byte} (line ${line}) is a control character, so the file holds binary data. Export the table again as CSV (or as Parquet, named .parquet).`,
  csvBadEncodingAt: (file: string, table: string, line: number, column: string, value: string) =>
    `${file} (table ${table}), line ${line}, column \`${column}\`: ${quoteValue(value)} is not valid UTF-8. If the file is latin-1 (ISO-8859-1 / Windows-1252), set \`data.csv.encoding: latin-1\` in churn.config.yaml; else export it again as UTF-8.`,
  csvLineEnding: (file: string, table: string, line: number, found: string, expected: string) =>
    `${file} (table ${table}): line ${line} ends with ${found} but line 1 ends with ${expected}; mixed line endings (two exports pasted together?). Convert the file to one line ending (e.g. \`dos2unix ${file}\`) and run again.`,
  csvFieldCount: (file: string, table: string, line: number, found: number, expected: number, text: string, last: boolean) =>
    `${file} (table ${table}): line ${line} has ${found} field${found === 1 ? "" : "s"} but the header has ${expected}: ${quoteValue(text)}. ${
      last
        ? "It is the last line and has no line break: the export was probably cut short. Export the table again."
        : "Fix that line (a missing or extra delimiter, or a stray quote), or export the table again."
    }`,
  csvUnterminatedQuote: (file: string, table: string, line: number) =>
    `${file} (table ${table}): the quote opened on line ${line} is never closed, so the rest of the file would be one field. Fix that line (double a quote inside a quoted field: "") or export the table again.`,
  duplicateColumn: (file: string, table: string, column: string, positions: number[]) =>
    `${file} (table ${table}): the header names column \`${column}\` ${positions.length} times (fields ${positions.join(", ")}), so it is not clear which to read. Rename or remove the extra one, or map another column with \`data.columns.${table}.<canonical>: <your column>\`.`,
  tooManyRejectsExample: (row: number, column: string | null, value: string | null, reason: string, all: boolean) =>
    ` First rejected: row ${row}${column ? `, column \`${column}\` = ${quoteValue(value ?? "")}` : ""} (${reason}).${
      reason === "bad_number" && /^\s*[+-]?\d[\d.]*,\d+\s*$/.test(value ?? "")
        ? ' The number has a decimal comma: set `data.csv.decimal: ","` in the config (a file whose fields are separated by semicolons also needs `data.csv.delimiter: ";"`).'
        : all
          ? " Every row was rejected: are the values in the order of the header (a shifted export), and is the column mapping right?"
          : ""
    }`,
  tableFileNotRegular: (table: string, path: string) =>
    `data.tables.${table}: ${path} is not a regular file (a directory, device or pipe). Point it at the exported CSV or Parquet file.`,
  tableFileExtension: (table: string, path: string, extensions: readonly string[]) =>
    `data.tables.${table}: ${path} is not a CSV or Parquet file (its name must end in ${extensions.join(", ")}, or .pq). Point it at the exported table.`,
  dataFileNotRegular: (path: string, table: string) =>
    `${path} (table ${table}) is not a regular file (a pipe or device?). Put the exported file there.`,
  configTooLarge: (path: string, bytes: number, max: number) =>
    `config file ${path} is ${bytes} bytes; a config is a few kilobytes (at most ${max}). Check that --config names the config file, not a data file.`,
  outputFailed: (path: string, detail: string) =>
    `cannot write ${path}: ${detail}. Free disk space or choose another --out; no partial file was left at ${path}.`,

  // --- cluster: ClickHouse, sharded scoring, queue (src/io/clickhouse.ts, src/io/queue.ts) ----------
  chBadUrl: (url: string) =>
    `ClickHouse URL ${quoteValue(url)} is not an http(s) URL. Give the HTTP endpoint of the node that takes queries, e.g. --clickhouse http://127.0.0.1:8123 (or clickhouse.url in the config).`,
  chCredentialsInUrl: () =>
    "the ClickHouse URL contains a user or password. Give the URL without them and set CHURN_CLICKHOUSE_USER and CHURN_CLICKHOUSE_PASSWORD in the environment instead.",
  chUnreachable: (url: string, code: string) =>
    `cannot reach ClickHouse at ${url} (${code}). Check the URL and that the server is running (for a local trial cluster: scripts/cluster.sh start DIR prints the URL).`,
  chAuth: (url: string, detail: string) =>
    `ClickHouse at ${url} refused the credentials: ${detail}. Set CHURN_CLICKHOUSE_USER and CHURN_CLICKHOUSE_PASSWORD in the environment.`,
  chTimeout: (url: string) =>
    `ClickHouse at ${url} did not answer within clickhouse.timeoutSeconds. Raise it in the config, or check the cluster's load.`,
  chTableError: (where: string, detail: string) =>
    `${where}: ${detail}. Check clickhouse.database and clickhouse.tables in the config (the Distributed table of each canonical table), and that the tables exist.`,
  chNoSubscribers: (table: string) =>
    `ClickHouse table ${table} (subscribers) does not exist. It is required; set clickhouse.tables.subscribers to the Distributed table holding your subscribers, or load a world with \`churn load\`.`,
  chMissingColumn: (table: string, canonical: string, column: string, found: string[]) =>
    `ClickHouse table ${table} has no column \`${column}\` (canonical ${canonical}); it has ${found.join(", ")}. Map another column with \`data.columns.<table>.${canonical}: <your column>\`.`,
  chColumnType: (table: string, column: string, type: string, expected: string) =>
    `ClickHouse table ${table}, column \`${column}\` is ${type}; churn reads it as ${expected}. Convert the column (or expose a VIEW with the converted column) and map it with data.columns.`,
  chNotSharded: (table: string, engine: string) =>
    `ClickHouse table ${table} is ${engine}, not a Distributed table over the shards. Set clickhouse.tables to the Distributed tables (churn runs shard-local on their local tables).`,
  chMixedClusters: (detail: string) =>
    `the ClickHouse tables are not all sharded alike (${detail}). Every table must be a Distributed table of the same cluster, sharded by the same key of subscriber_id, so that a subscriber's rows sit on one shard.`,
  chShardKey: (table: string, key: string) =>
    `ClickHouse table ${table} is sharded by ${key}; churn supports sipHash64(subscriber_id) and intHash64(subscriber_id) (numeric ids), so that a worker scoring shard k reads the same subscribers as the cluster's shard. Reshard the table by one of them.`,
  chShardUnreachable: (shard: number, url: string, code: string) =>
    `shard ${shard} of the ClickHouse cluster does not answer at ${url} (${code}). churn reaches each shard at its host from system.clusters on the query URL's port; when the shards listen elsewhere, list their HTTP URLs in clickhouse.shards.`,
  chUrlMissing: (command: string) =>
    `${command} needs the ClickHouse URL: give --clickhouse http://HOST:PORT, set clickhouse.url in the config, or CHURN_CLICKHOUSE_URL in the environment.`,
  chDataAndClickhouse: () => "give either --data (raw tables in files) or --clickhouse (raw tables in a ClickHouse cluster), not both.",
  chRejectExample: (subscriber: string, column: string | null, value: string | null, reason: string) =>
    ` First rejected: subscriber ${subscriber}${column ? `, column \`${column}\` = ${quoteValue(value ?? "")}` : ""} (${reason}).`,
  badShard: (value: string, index: string | undefined) =>
    `--shard ${quoteValue(value)} is not k/K with 0 <= k < K (e.g. --shard 0/4, or --shard JOB_COMPLETION_INDEX/4 in a Kubernetes Indexed Job${index === undefined ? "" : `, where JOB_COMPLETION_INDEX is ${quoteValue(index)}`}).`,
  shardSource: () => "--shard scores raw tables: give --data DIR or --clickhouse URL (a feature or flat table is scored whole).",
  shardWritten: (k: number, of: number, out: string, scored: number, notActive: number) =>
    `shard ${k}/${of} written to ${out}: ${scored} scored, ${notActive} not active at as-of; merge the shards with churn plan --merge`,
  mergeContactsLog: (shard: string, shardRows: number, out: string, rows: number) =>
    `${shard} was scored with ${shardRows} contacts of the contacts log dated on or before as-of, but the runs folder of ${out} holds ${rows}: the features and the learned effects would differ from one run. Score the shards into the runs folder the merged run goes to (e.g. RUNS/shard-0 ... and RUNS/run), or merge into the runs folder they saw.`,
  shardNotFound: (dir: string) => `${dir} is not a shard result (no shard.json). Give the --out folders of \`churn score --shard k/K\`.`,
  shardDamaged: (dir: string, file: string, detail: string) => `shard result ${dir}: ${file} ${detail}. Score that shard again.`,
  mergeNoShards: () => "churn plan --merge needs the shard results: churn plan --merge SHARD_DIR... --budget B --out RUN_DIR.",
  mergeMismatch: (what: string, a: string, b: string, dirA: string, dirB: string) =>
    `the shard results do not belong to one run: ${what} is ${quoteValue(a)} in ${dirA} but ${quoteValue(b)} in ${dirB}. Score every shard with the same model, data and as-of date.`,
  mergeMissingShard: (missing: number[], of: number) =>
    `shard result(s) ${missing.join(", ")} of ${of} are missing: give one result for every shard 0..${of - 1} (each scored with --shard k/${of}).`,
  mergeDuplicateShard: (k: number, a: string, b: string) => `shard ${k} is given twice (${a} and ${b}). Give each shard's result once.`,
  badShardCount: (value: unknown) => `--shards ${quoteValue(value)} is not a whole number of shards between 1 and 4096.`,
  redisBadUrl: (url: string) => `Redis URL ${quoteValue(url)} is not a redis://HOST:PORT URL. Give --redis redis://127.0.0.1:6379 (or CHURN_REDIS_URL).`,
  redisPasswordInUrl: () => "the Redis URL contains a password. Give the URL without it and set CHURN_REDIS_PASSWORD in the environment.",
  redisUnreachable: (url: string, detail: string) =>
    `cannot reach Redis at ${url}: ${detail}. Start redis-server there (or fix --redis / CHURN_REDIS_URL; a password goes in CHURN_REDIS_PASSWORD).`,
  redisMissing: (command: string) => `${command} needs Redis: give --redis redis://HOST:PORT or set CHURN_REDIS_URL.`,
  queueJobFailed: (job: string, message: string) => `shard job ${job} failed: ${message}`,
  queueJobMissing: (id: string, queue: string) => `job ${id} is not on queue ${queue} (removed, or another Redis database?). Submit the run again.`,
  queueMergeNeedsWait: () => "--merge needs --wait: the shards must be done before they can be merged (or run churn plan --merge later).",
  chNoCluster: (name: string, found: string[]) =>
    `ClickHouse has no cluster named ${quoteValue(name)} in system.clusters${found.length ? ` (it has ${found.join(", ")})` : ""}. Set clickhouse.cluster to the cluster of your shards.`,

  // --- retention (bands, plan inputs) -----------------------------------------------------------
  bandThresholdRange: (name: string, value: number) =>
    `risk band threshold ${name}: ${quoteValue(value)} is not a probability in (0, 1]. Set retention.bands.${name} in the config to a number such as 0.5, or retrain the model.`,
  bandThresholdOrder: (critical: number, high: number, medium: number) =>
    `risk band thresholds must decrease (critical > high > medium), got critical ${critical}, high ${high}, medium ${medium}. Fix retention.bands in the config (an override applies on top of the model's thresholds).`,
  planColumnLength: (column: string, got: number, expected: number) =>
    `retention plan input: column ${column} has ${got} values but there are ${expected} subscribers. Every input column needs one value per subscriber.`,
  planProbabilityInvalid: (row: number, subscriberId: string, value: unknown) =>
    `retention plan input: churn probability ${quoteValue(value)} for subscriber ${subscriberId} (row ${row + 1}) is not between 0 and 1. Score with a calibrated model; a missing probability means the row should be rejected before planning.`,
  planBudgetInvalid: (value: unknown) =>
    `retention budget ${quoteValue(value)} is not a non-negative amount. Give --budget (or retention.budget in the config) as a number, e.g. 50000, or leave it out for no limit.`,
} as const;

/** Why the contact rules kept a candidate out, in words, by exclusion reason (retention/contact-rules.ts). */
export const EXCLUSION_TEXT: Record<string, string> = {
  do_not_contact: "on the do-not-contact list",
  holdout: "held out by an earlier run (kept uncontacted until its effect is measured)",
  cooldown: "contacted too recently (cooldown)",
  max_contacts: "already contacted as often as allowed this period",
  action_cooldown: "the same action too recently (per-action cooldown; subscriber × action pairs)",
  channel: "the action is not offered on their preferred channel (subscriber × action pairs)",
};
