/** The `agent` section of a bot file: how far one turn's agent loop may go. To be added to BotConfigSchema. */
import { z } from 'zod';

export const AgentConfigSchema = z
  .object({
    /** Model calls plus repeated tool calls in one turn before the loop stops and answers with what it has. @default 6 */
    max_steps: z.number().int().min(1).max(50).default(6),
    /** The final answer is cut to this many characters (it is then split into chat messages). @default 6000 */
    max_output_chars: z.number().int().min(200).max(50_000).default(6000),
    /** One tool result is cut to this many characters before the model sees it. @default 8000 */
    max_tool_result_chars: z.number().int().min(200).max(100_000).default(8000),
  })
  .strict();

export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export const DEFAULT_AGENT_CONFIG: AgentConfig = AgentConfigSchema.parse({});
