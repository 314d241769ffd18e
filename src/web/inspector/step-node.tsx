import { Handle, Position, type NodeProps } from "@xyflow/react";

/**
 * A graph node with handles top and bottom for edges going down the layout, and on the right for
 * edges going back up (a loop such as tools → agent), so a back edge curves beside the nodes
 * instead of through them.
 */
export function StepNode({ data }: NodeProps) {
  return (
    <>
      <Handle type="target" position={Position.Top} id="top" isConnectable={false} />
      <Handle type="target" position={Position.Right} id="back-in" isConnectable={false} />
      {String(data.label)}
      <Handle type="source" position={Position.Bottom} id="bottom" isConnectable={false} />
      <Handle type="source" position={Position.Right} id="back-out" isConnectable={false} />
    </>
  );
}
