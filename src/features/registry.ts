/** Every feature family, in the order their columns appear in the feature table. Add a family here. */
import { complaints } from "./families/complaints.js";
import { contacts } from "./families/contacts.js";
import { engagement } from "./families/engagement.js";
import { history } from "./families/history.js";
import { network } from "./families/network.js";
import { products } from "./families/products.js";
import { profile } from "./families/profile.js";
import { revenue } from "./families/revenue.js";
import { tenure } from "./families/tenure.js";
import type { FeatureFamily } from "./types.js";

export const FAMILIES: readonly FeatureFamily[] = [tenure, profile, revenue, engagement, history, network, complaints, products, contacts];

/** Every feature the families can produce, flat: for the data dictionary and the reports (name -> meaning). */
export function featureCatalog(): {
  family: string;
  familyTitle: string;
  name: string;
  type: string;
  unit: string;
  description: string;
  reason?: string;
  reads: string[];
}[] {
  return FAMILIES.flatMap((f) =>
    f.features.map((x) => ({
      family: f.id,
      familyTitle: f.title,
      name: x.name,
      type: x.type,
      unit: x.unit,
      description: x.description,
      ...(x.reason ? { reason: x.reason } : {}),
      reads: Object.entries(f.reads).map(([t, cols]) => `${t}(${(cols ?? []).join(", ")})`),
    })),
  );
}
