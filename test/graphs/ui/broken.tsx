// Generative UI that cannot be bundled: it imports a file that is not there.
import { Missing } from "./no-such-file";

export default { missing: Missing };
