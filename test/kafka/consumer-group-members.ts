import { AssignerProtocol, type Kafka } from 'kafkajs';

/** One member of a consumer group as the broker's coordinator sees it, with its partitions of `topic`. */
export interface GroupMember {
  readonly memberId: string;
  readonly partitions: readonly number[];
}

/** The group's state (`Stable`, `PreparingRebalance`, …) and its members with their assigned partitions of `topic`. */
export async function groupMembers(kafka: Kafka, groupId: string, topic: string): Promise<{ state: string; members: GroupMember[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (group === undefined) return { state: 'Dead', members: [] };
    const members = group.members.map((member) => {
      const assignment = member.memberAssignment.length === 0 ? undefined : AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return { memberId: member.memberId, partitions: [...(assignment?.assignment[topic] ?? [])].sort((a, b) => a - b) };
    });
    return { state: group.state, members };
  } finally {
    await admin.disconnect();
  }
}

/** True when the group is stable with `count` members that each hold some of the topic's partitions. */
export async function groupSplitAmong(kafka: Kafka, groupId: string, topic: string, count: number): Promise<boolean> {
  const { state, members } = await groupMembers(kafka, groupId, topic);
  return state === 'Stable' && members.length === count && members.every((m) => m.partitions.length > 0);
}
